/* Unrendered `{{ }}` templates (Helm, Kustomize inputs) in manifest text and values. */

/** Does the text hold `{{ … }}`? Two scans, not a lazy regex that rescans from every `{{`. */
export function hasTemplateText(s: string): boolean {
  const open = s.indexOf('{{');
  return open >= 0 && s.indexOf('}}', open + 2) >= 0;
}

export function hasTemplate(v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof v === 'string') return hasTemplateText(v);
  if (Array.isArray(v)) return v.some(x => hasTemplate(x, depth + 1));
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v))
      if (hasTemplateText(k) || hasTemplate(x, depth + 1)) return true;
  }
  return false;
}
