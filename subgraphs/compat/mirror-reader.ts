// Reading the versions that mirror legacy records, from their phase subgraph. A mirror never changes once written
// (its data, items and author are set at creation; which mirrors count is compat's own mapping), so legacy-shaped
// reads keep what they fetched: once warm, a read from the new tables costs one query, as the legacy read does.
import { PHASES, type FullPhase, type Identity, type SubgraphClient } from '@phasegraph/kit';
import type { MigratedPhase } from './migration-state';
import { MIRROR_FIELDS, type MirroredVersion } from './read-router';

/** Mirrors fetched per `_entities` call. */
const BATCH = 250;
/** The most mirrors kept; past it the oldest go first. */
const MAX_KEPT = 20_000;

export class MirrorReader {
  private readonly kept = new Map<string, MirroredVersion>();

  constructor(private readonly phases: Record<MigratedPhase, SubgraphClient>) {}

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
    const typename = (PHASES[phase] as FullPhase).versionType;
    for (let start = 0; start < missing.length; start += BATCH) {
      const { _entities } = await this.phases[phase].request<{ _entities: (MirroredVersion | null)[] }>(
        `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on ${typename} { ${MIRROR_FIELDS} } } }`,
        { representations: missing.slice(start, start + BATCH).map((id) => ({ __typename: typename, id })) },
        actor,
      );
      for (const version of _entities) if (version) found.set(version.id, this.keep(version));
    }
    return found;
  }

  private keep(version: MirroredVersion): MirroredVersion {
    if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(version.id, version);
    return version;
  }
}
