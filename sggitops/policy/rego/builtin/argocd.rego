# Built-in repo rules for Argo CD Applications (Rego v1).
#
# deny: an Application in the `default` AppProject (its source and destination are unrestricted).
#   PASS: spec.project: mission-a        FAIL: spec.project: default (or no project)
# deny: an Application on a run cluster without automated sync (the repo would not converge).
#   PASS: spec.syncPolicy.automated: {}  FAIL: no spec.syncPolicy.automated, cluster.role == "run"
package sggitops.argocd

import rego.v1

applications contains obj if {
	some obj in input.objects
	obj.kind == "Application"
	startswith(obj.apiVersion, "argoproj.io/")
}

name(obj) := sprintf("%s/%s", [object.get(obj.metadata, "namespace", ""), obj.metadata.name])

deny contains msg if {
	some app in applications
	object.get(object.get(app, "spec", {}), "project", "") in {"", "default"}
	msg := sprintf("Application %s uses the default AppProject; give it a project that restricts sources and destinations", [name(app)])
}

deny contains msg if {
	input.cluster.role == "run"
	some app in applications
	not app.spec.syncPolicy.automated
	msg := sprintf("Application %s on run cluster %s has no automated sync; set spec.syncPolicy.automated", [name(app), input.cluster.name])
}
