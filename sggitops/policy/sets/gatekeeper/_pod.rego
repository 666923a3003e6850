# Shared helpers appended to every sggitops ConstraintTemplate (Rego v1, no package line).
# Gatekeeper has no autogen: these rules find the pod spec of a Pod, of a pod controller's
# spec.template, and of a CronJob's spec.jobTemplate.spec.template.

pod_controller_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

review_object := input.review.object

pod_spec := review_object.spec if review_object.kind == "Pod"

pod_spec := review_object.spec.template.spec if review_object.kind in pod_controller_kinds

pod_spec := review_object.spec.jobTemplate.spec.template.spec if review_object.kind == "CronJob"

pod_metadata := object.get(review_object, "metadata", {}) if review_object.kind == "Pod"

pod_metadata := object.get(review_object.spec.template, "metadata", {}) if review_object.kind in pod_controller_kinds

pod_metadata := object.get(review_object.spec.jobTemplate.spec.template, "metadata", {}) if review_object.kind == "CronJob"

pod_security_context := object.get(pod_spec, "securityContext", {})

# Every container of the pod, each tagged with the field it came from.
containers contains {"field": field, "container": c} if {
	some field in ["containers", "initContainers", "ephemeralContainers"]
	some c in object.get(pod_spec, field, [])
}

container_security_context(c) := object.get(c, "securityContext", {})
