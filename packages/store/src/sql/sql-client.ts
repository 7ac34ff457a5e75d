/** A row set. */
export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** How a statement is run. */
export interface QueryOptions {
  /**
   * The text is one of a bounded set of fixed statements run on every request (a write's statement, a read by
   * id): PostgreSQL parses and plans it once per connection instead of on every call (a named prepared
   * statement). Each distinct text stays prepared for the life of the connection, so never set this for text
   * built from input, such as a search's.
   */
  readonly prepared?: boolean;
}

/**
 * The one SQL interface the store speaks, implemented by PGlite (embedded) and by `pg` (a PostgreSQL server).
 * Both run the same SQL: PostgreSQL's dialect, `$1` parameters.
 */
export interface SqlClient {
  /** Which backend this is, for reports and error messages. */
  readonly backend: 'pglite' | 'postgres';
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
