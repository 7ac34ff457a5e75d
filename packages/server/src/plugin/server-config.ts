import { z } from 'zod';
import { authConfigSchema, roleNameSchema } from '../auth/index.js';

const MiB = 1024 * 1024;

/** Request limits: every one answered with an OperationOutcome when exceeded. */
export const serverLimitsSchema = z
  .object({
    /** Largest request body in bytes (413 above). */
    bodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(512 * MiB)
      .default(8 * MiB)
      .describe('Largest request body in bytes; a larger one is a 413, before it is read: 8 MiB by default'),
    /** Deepest JSON nesting accepted (400 above). */
    jsonDepth: z
      .number()
      .int()
      .min(8)
      .max(1000)
      .default(100)
      .describe('Deepest JSON nesting accepted; deeper is a 400, before parsing: 100 by default'),
    /** Largest `_count` a search may ask for (400 above). */
    maxCount: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1000)
      .describe('Largest _count a search or history may ask for; more is a 400: 1,000 by default'),
    /** Most entries in a transaction or batch Bundle (413 above). */
    maxBundleEntries: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe('Most entries in a transaction or batch Bundle; more is a 413: 1,000 by default'),
    /** A request not received whole after this long gets 408 (connection closed); one not answered, 503. */
    requestTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(30_000)
      .describe(
        'Milliseconds to receive a whole request (its headers and body: a client still sending after this gets 408 and its connection is closed) and, separately, to answer it (503 after this): 30,000 by default',
      ),
    /** A request's line and headers not received after this long get 408 (connection closed). */
    headersTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(10_000)
      .describe(
        "Milliseconds to receive a request's line and headers, from the request's first byte (408 and the connection closed after this; at most requestTimeoutMs); a new connection that sends nothing is closed after it too: 10,000 by default, against clients that send headers slowly",
      ),
    /** Connections open at once from one address (503 and closed above); default 100, none with trustProxy. */
    connectionsPerAddress: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe(
        'Connections open at once from one client address; one more is answered 503 and closed at once. Default: 100, or no cap with trustProxy (every connection then comes from the proxy: set one that covers it)',
      ),
    /**
     * Requests per client per window (429 above), counted after authentication (a client is itself wherever it
     * connects from). Which limit a client gets: its API key's own (`rateLimit` when the key was issued), else
     * the highest of its roles' in `roles`, else `systemMax` for a system's token (client credentials), else
     * `max`. Failed authentications are counted per address (`failedAuthMax`).
     */
    rateLimit: z
      .object({
        max: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .default(1000)
          .describe(
            'Requests per window for an interactive client (a user, or an API key without a limit of its own or of its roles): 1,000 per minute by default',
          ),
        systemMax: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .default(20_000)
          .describe(
            "Requests per window for a system's token (a client-credentials JWT: its sub is the client, or its scopes are all system/): 20,000 per minute by default, for integrations such as a laboratory system posting results",
          ),
        roles: z
          .record(roleNameSchema, z.number().int().min(1).max(1_000_000))
          .default({})
          .describe(
            'Requests per window by role name ({"lab-system": 20000}): a client holding listed roles gets the highest of their limits, instead of max or systemMax. None by default',
          ),
        failedAuthMax: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .optional()
          .describe(
            'Failed authentications per address per window (429 above, whatever the credential): by default the same as max',
          ),
        timeWindowMs: z
          .number()
          .int()
          .min(100)
          .max(86_400_000)
          .default(60_000)
          .describe('The rate-limit window in milliseconds: one minute by default'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The server plugin's configuration (`plugins.server`). */
export const serverConfigSchema = z
  .object({
    /** Address to listen on; `0.0.0.0` to accept connections from other machines. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Port to listen on; 0 picks a free one (tests). */
    port: z.number().int().min(0).max(65_535).default(8080),
    /** The public URL of the server, for absolute links (`https://his.example.vn`); default from host and port. */
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL such as "https://his.example.vn"' })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /** Trust `X-Forwarded-*` from a reverse proxy in front of the server (for client addresses). */
    trustProxy: z.boolean().default(false),
    limits: serverLimitsSchema.prefault({}),
    /** Browser origins allowed to call the API (CORS); none by default. */
    cors: z
      .object({
        origins: z
          .array(z.url({ protocol: /^https?$/, error: 'must be an origin such as "https://app.example.vn"' }))
          .default([]),
      })
      .strict()
      .prefault({}),
    /**
     * The first administrator API key (from `MEKONG_BOOTSTRAP_API_KEY`), used on the first start only; when unset,
     * one is generated and shown once. Never a default.
     */
    bootstrapApiKey: z.string().optional(),
    /** Authentication: API keys and bearer JWTs, and the roles they grant. */
    auth: authConfigSchema.prefault({}),
  })
  .strict();

/** The server configuration as written (every field optional). */
export type ServerConfigInput = z.input<typeof serverConfigSchema>;
/** The server configuration, validated with defaults applied. */
export type ServerConfig = z.output<typeof serverConfigSchema>;
/** The `limits` section of {@link ServerConfig}. */
export type ServerLimits = ServerConfig['limits'];
