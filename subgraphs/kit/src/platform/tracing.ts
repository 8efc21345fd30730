// Tracing with OpenTelemetry and W3C trace context. When OTEL_EXPORTER_OTLP_ENDPOINT is set, each request is one
// trace: its server span, Apollo Gateway's planning and fetches, every subgraph call (in process or over HTTP, where
// `traceparent` carries it on) and every SQL statement (Prisma's instrumentation), exported over OTLP. Otherwise
// nothing is recorded and no context manager runs, so every helper here costs next to nothing; a request still has a
// trace id, its caller's or a new one, for its log line, its answer and the subgraphs it calls.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { PrismaInstrumentation } from '@prisma/instrumentation';

/** Where spans go: an OTLP/HTTP endpoint (the collector's base URL; traces are sent to `/v1/traces` under it). */
export interface TracingConfig {
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  /** `service.name` of this process's spans (the gateway's process, or a subgraph's own). */
  serviceName: string;
}

/** The header W3C trace context travels in. */
export const TRACEPARENT_HEADER = 'traceparent';

/** Set while tracing is on: spans are recorded only then. */
let tracer: Tracer | undefined;

/** Tracing as started: `shutdown` exports what is pending and switches it off again. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts recording spans and exporting them over OTLP to `config.endpoint`, or to `exporter` (tests hand in an
 * in-memory one; spans then go out one by one, not in batches). Registers the W3C propagator, an AsyncLocalStorage
 * context manager and Prisma's instrumentation, which reads the active span around every statement.
 */
export function startTracing(config: Pick<TracingConfig, 'serviceName'> & Partial<TracingConfig>, exporter?: SpanExporter): Tracing {
  if (tracer) throw new Error('Tracing is already on in this process.');
  const spanExporter = exporter ?? otlpExporter(config);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [exporter ? new SimpleSpanProcessor(spanExporter) : new BatchSpanProcessor(spanExporter)],
  });
  provider.register();
  // Not enabled by its constructor, which would also hook `require` of @prisma/client: phasegraph's client is
  // generated elsewhere, and the hook is not needed for the client to find the helper `enable` installs.
  const prisma = new PrismaInstrumentation({ enabled: false });
  prisma.setTracerProvider(provider);
  prisma.enable();
  tracer = provider.getTracer('phasegraph');
  return {
    async shutdown() {
      prisma.disable();
      tracer = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

function otlpExporter(config: Partial<TracingConfig>): SpanExporter {
  if (!config.endpoint) throw new Error('Tracing needs an OTLP endpoint or an exporter.');
  const url = `${config.endpoint.replace(/\/+$/, '')}/v1/traces`;
  return config.protocol === 'http/json' ? new JsonTraceExporter({ url }) : new ProtobufTraceExporter({ url });
}

/** Whether spans are being recorded in this process. */
export function tracingEnabled(): boolean {
  return tracer !== undefined;
}

/** A request's place in its trace, from its arrival to its answer. */
export interface RequestTrace {
  traceId: string;
  /** The W3C `traceparent` naming this request: answered to its caller, and the parent of what it calls. */
  traceparent: string;
  /** The request's server span, when tracing is on. */
  span: Span | undefined;
  /** The context to run the request in (its span active), when tracing is on. */
  context: Context | undefined;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/**
 * Starts a request's span, continuing the trace of the caller's `traceparent` when it sent a valid one. With tracing
 * off no span is made: the request takes the caller's trace id (or a new one) and a span id of its own.
 */
export function startRequestTrace(name: string, headers: IncomingHttpHeaders, attributes: Attributes): RequestTrace {
  if (tracer) {
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    const { traceId, spanId, traceFlags } = span.spanContext();
    return { traceId, traceparent: traceparentOf(traceId, spanId, traceFlags), span, context: trace.setSpan(parent, span) };
  }
  const incoming = TRACEPARENT.exec(String(headers[TRACEPARENT_HEADER] ?? ''));
  const continued = incoming && incoming[1] !== INVALID_TRACE_ID && incoming[2] !== INVALID_SPAN_ID ? incoming : null;
  const traceId = continued?.[1] ?? randomUUID().replaceAll('-', '');
  const spanId = randomUUID().replaceAll('-', '').slice(0, 16);
  // Not recorded here, but a caller's sampling decision passes on to whoever records further down.
  return { traceId, traceparent: `00-${traceId}-${spanId}-${continued?.[3] ?? '00'}`, span: undefined, context: undefined };
}

/** Ends a request's span with its outcome. */
export function endRequestTrace(request: RequestTrace, status: number, attributes: Attributes): void {
  if (!request.span) return;
  request.span.setAttributes({ ...attributes, 'http.response.status_code': status });
  if (status >= 500) request.span.setStatus({ code: SpanStatusCode.ERROR });
  request.span.end();
}

/** Runs `work` in the request's context (its span the parent of every span inside), or as it is with tracing off. */
export function inRequestTrace<T>(request: RequestTrace, work: () => T): T {
  return request.context ? context.with(request.context, work) : work();
}

/**
 * Runs `work` in a span of its own under the active one (a subgraph call, say); with tracing off, just runs it. A
 * failure is recorded on the span and thrown on.
 */
export async function inSpan<T>(name: string, kind: SpanKind, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (!tracer) return work();
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Adds the trace context of an outgoing call to `headers`: the active span's when tracing is on (the call's own span,
 * inside `inSpan`), else `traceparent` of the request it is made for, so that the callee logs the same trace id.
 */
export function injectTraceContext(headers: Record<string, string>, traceparent: string | undefined): void {
  if (tracer) propagation.inject(context.active(), headers);
  else if (traceparent) headers[TRACEPARENT_HEADER] = traceparent;
}

function traceparentOf(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}`;
}

export { SpanKind };
