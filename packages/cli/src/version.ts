/** The version of `@mekong/cli`. */
export const version = '0.1.0';
