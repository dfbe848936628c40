// The device's name rules (from /api/devices), checked as the user types, so a name the synth
// cannot show is refused before it reaches the server (which checks again with the driver).

// The rule for a patch's device, kind and model from /api/devices' name_rules, or null.
export function nameRule(devices, patch) {
  const dev = (devices ?? []).find((d) => d.id === patch?.device);
  for (const rule of dev?.name_rules ?? []) {
    if (rule.kind !== patch.kind && rule.kind !== "*") continue;
    if (!rule.models || !patch.model || rule.models.includes(patch.model)) return rule;
  }
  return null;
}

// Why a name cannot be stored, or "" when it can. The server checks again with the driver.
export function nameProblem(rule, name) {
  if (!rule || !rule.stored || !rule.max_length) return "";
  if (!name.trim()) return "a name cannot be empty";
  if ([...name].length > rule.max_length) return `at most ${rule.max_length} characters`;
  if (rule.charset) {
    const shown = rule.upper ? name.toUpperCase() : name;
    const bad = [...new Set([...shown].filter((c) => !rule.charset.includes(c)))];
    if (bad.length) return `the ${rule.device} display has no ${bad.map((c) => JSON.stringify(c)).join(" ")}`;
  }
  return "";
}
