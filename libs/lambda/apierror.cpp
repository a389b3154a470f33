#include "nimbus/lambda/apierror.h"

namespace nimbus::lambda {

ApiError validationError(const std::string &message) {
    return {400, "ValidationException", message};
}

ApiError invalidParameter(const std::string &message) {
    return {400, "InvalidParameterValueException", message};
}

ApiError invalidRequestContent(const std::string &message) {
    return {400, "InvalidRequestContentException", message};
}

ApiError resourceNotFound(const std::string &message) {
    return {404, "ResourceNotFoundException", message};
}

ApiError resourceConflict(const std::string &message) {
    return {409, "ResourceConflictException", message};
}

ApiError preconditionFailed(const std::string &message) {
    return {412, "PreconditionFailedException", message};
}

ApiError requestTooLarge(const std::string &message) {
    return {413, "RequestTooLargeException", message};
}

ApiError tooManyRequests(const std::string &message) {
    return {429, "TooManyRequestsException", message};
}

ApiError serviceError(const std::string &message) {
    return {500, "ServiceException", message};
}

ApiError unknownOperation(const std::string &message) {
    return {404, "UnknownOperationException", message};
}

ApiError constraintError(const std::string &value, const std::string &field,
                         const std::string &constraint) {
    return validationError("1 validation error detected: Value '" + value + "' at '" + field +
                           "' failed to satisfy constraint: " + constraint);
}

} // namespace nimbus::lambda
