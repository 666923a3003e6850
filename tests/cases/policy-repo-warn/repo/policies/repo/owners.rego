# A team's own repo rule: every ConfigMap should say which team owns it (a warning, not a failure).
package acme.owners

import rego.v1

warn contains msg if {
	some obj in input.objects
	obj.kind == "ConfigMap"
	not obj.metadata.labels.team
	msg := sprintf("ConfigMap %s has no `team` label", [obj.metadata.name])
}
