export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Expands `${VAR}`, `${VAR:-default}` and `$VAR` like mail2alert's os.path.expandvars, except
 * that an unset variable is an error rather than left in place (a literal `${GOCD_PASSWORD}`
 * sent as a password helps nobody). `$$` is a literal `$`; a `$` not followed by a name is kept.
 */
export function interpolate(value: string, env: Env): { value: string; missing: string[] } {
  const missing: string[] = [];
  const expanded = value.replace(REFERENCE, (whole, braced?: string, fallback?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    if (found !== undefined) return found;
    missing.push(name);
    return whole;
  });
  return { value: expanded, missing };
}
