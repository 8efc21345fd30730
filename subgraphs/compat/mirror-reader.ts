// Reading the versions that mirror legacy records, from their phase subgraph. A mirror never changes once written
// (its data, items and author are set at creation; which mirrors count is compat's own mapping), so legacy-shaped
// reads keep what they fetched: once warm, a read from the new tables costs one query, as the legacy read does.
import type { FullPhaseDocuments, Identity, ResultOf } from '@phasegraph/kit';
import type { MigratedPhase } from './migration-state';
import type { PhaseSubgraphs } from './phase-subgraphs';
import type { MirroredVersion } from './read-router';

/** `_entities`' answer per representation: the version, or null; its type allows the subgraph's other entities too, which never come. */
type Entity = ResultOf<FullPhaseDocuments['mirroredVersions']>['mirrors'][number];
/** A mirror as the phase subgraph returns it: its JSON (data, item data) not yet read as what compat wrote. */
type ReadMirror = Extract<Entity, { id: string }>;

/** Mirrors fetched per `_entities` call. */
const BATCH = 250;
/** The most mirrors kept; past it the oldest go first. */
const MAX_KEPT = 20_000;

export class MirrorReader {
  private readonly kept = new Map<string, MirroredVersion>();

  constructor(private readonly phases: PhaseSubgraphs) {}

  /**
   * The mirrors with `ids` (absent ones left out). `fresh` reads every one from the phase subgraph, as integrity
   * verification must: it checks what the new tables hold, not what was read before.
   */
  async mirrors(phase: MigratedPhase, ids: readonly string[], actor: Identity, options: { fresh?: boolean } = {}): Promise<Map<string, MirroredVersion>> {
    const found = new Map<string, MirroredVersion>();
    const missing: string[] = [];
    for (const id of ids) {
      const known = options.fresh ? undefined : this.kept.get(id);
      if (known) found.set(id, known);
      else missing.push(id);
    }
    const { phase: entry, client, documents } = this.phases[phase];
    for (let start = 0; start < missing.length; start += BATCH) {
      const { mirrors } = await client.request(
        documents.mirroredVersions,
        { representations: missing.slice(start, start + BATCH).map((id) => ({ __typename: entry.versionType, id })) },
        actor,
      );
      for (const version of mirrors) if (isVersion(version)) found.set(version.id, this.keep(mirrorOf(version)));
    }
    return found;
  }

  private keep(version: MirroredVersion): MirroredVersion {
    if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(version.id, version);
    return version;
  }
}

function isVersion(entity: Entity): entity is ReadMirror {
  return entity !== null && 'id' in entity;
}

/** A mirror read: its JSON is what compat wrote when it mirrored the legacy record (attributeMirror, sampleSetMirror). */
function mirrorOf(version: ReadMirror): MirroredVersion {
  return {
    ...version,
    data: version.data as MirroredVersion['data'],
    decisions: version.decisions.map((decision) => ({ itemId: decision.itemId, itemData: decision.itemData as Record<string, unknown> })),
  };
}
