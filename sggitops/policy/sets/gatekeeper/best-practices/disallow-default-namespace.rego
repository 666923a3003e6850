package sgdisallowdefaultnamespace

namespace := object.get(review_object, ["metadata", "namespace"], object.get(input.review, "namespace", ""))

violation contains {"msg": msg} if {
	namespace in {"", "default"}
	msg := sprintf("%v %v must not be placed in the default namespace", [review_object.kind, review_object.metadata.name])
}
