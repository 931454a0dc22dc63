/** URL path of a log's tlog-tiles prefix on a node's HTTP listener (docs/PROTOCOL.md). */
export const logPrefixPath = (logId: string): string => `/logs/${logId}/`;
