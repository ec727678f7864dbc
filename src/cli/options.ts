/** Option parsers shared by the commands. */

/** For repeatable options: `--routing-key a --routing-key b` gives ['a', 'b']. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
