/**
 * Opaque page cursors: the sort key of the last item of a page, base64url-encoded. Clients pass
 * them back unchanged; a cursor that does not decode is refused by the caller.
 */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string): (string | number)[] | null {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parts) || !parts.every((p) => typeof p === 'string' || typeof p === 'number'))
      return null;
    return parts;
  } catch {
    return null;
  }
}
