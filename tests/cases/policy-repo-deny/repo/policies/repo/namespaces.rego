# A team's own repo rule: workloads never go to the `default` namespace (an error: the run fails).
package acme.namespaces

import rego.v1

deny contains msg if {
	some obj in input.objects
	obj.kind == "ConfigMap"
	obj.metadata.namespace == "default"
	msg := sprintf("ConfigMap %s is in the default namespace; give it the team's namespace", [obj.metadata.name])
}
