// Usernames typed into one field ("ana, bob carol"): for a new group and for adding
// people to one.

/** The usernames in `input`, separated by commas, semicolons or white space, without a
 * leading "@", each once (case-insensitively; the first spelling is kept). */
export function parseUsernames(input: string): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const raw of input.split(/[\s,;]+/)) {
    const name = raw.replace(/^@+/, "");
    const key = name.toLowerCase();
    if (!name || seen.has(key)) continue;
    seen.add(key);
    names.push(name);
  }
  return names;
}

/** `input` without `username` (a chip's remove button), the rest joined with ", ". */
export function withoutUsername(input: string, username: string): string {
  const key = username.toLowerCase();
  return parseUsernames(input)
    .filter((name) => name.toLowerCase() !== key)
    .join(", ");
}
