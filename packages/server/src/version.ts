/** The version of @mekong/server, reported in the CapabilityStatement and the OpenAPI document. */
export const SERVER_VERSION = '0.1.0';
