// The device's name rules (from /api/devices), checked as the user types, so a name the synth
// cannot show is refused before it reaches the server (which checks again with the driver).

// The rule for a patch: {max_length, charset, charset_label, note} or null.
export function nameRule(devices, patch) {
  const dev = (devices ?? []).find((d) => d.id === patch?.device);
  if (!dev || !dev.names) return null;
  const byKind = dev.names[patch.kind] ?? dev.names["*"] ?? null;
  if (!byKind) return null;
  if (byKind.by_model && patch.model && byKind.by_model[patch.model]) return byKind.by_model[patch.model];
  return byKind;
}

// Why a name cannot be stored, or "" when it can.
export function nameProblem(rule, name) {
  if (!rule || !rule.max_length) return "";
  if ([...name].length > rule.max_length) return `at most ${rule.max_length} characters`;
  if (rule.charset) {
    const bad = [...new Set([...name].filter((c) => !rule.charset.includes(c)))];
    if (bad.length) return `not on the ${rule.device_label ?? "device"}'s display: ${bad.map((c) => JSON.stringify(c)).join(" ")}`;
  }
  return "";
}
