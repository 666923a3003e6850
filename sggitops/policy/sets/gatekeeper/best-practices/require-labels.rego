package sgrequirelabels

violation contains {"msg": msg} if {
	some label in object.get(input.parameters, "labels", [])
	object.get(object.get(pod_metadata, "labels", {}), label, "") == ""
	msg := sprintf("the label %v is required on the pod (template) metadata", [label])
}
