#pragma once

#include <string>

namespace nimbus::lambda {

// An error as the Lambda service reports it: the HTTP status, the error type it sends in
// x-amzn-ErrorType (and as "Type"/"__type" in the body), and its message.
struct ApiError {
    int status = 400;
    std::string type;
    std::string message;
};

// The errors the API returns, by Lambda's names and statuses.
ApiError validationError(const std::string &message);         // 400 ValidationException
ApiError invalidParameter(const std::string &message);        // 400 InvalidParameterValueException
ApiError invalidRequestContent(const std::string &message);   // 400 InvalidRequestContentException
ApiError resourceNotFound(const std::string &message);        // 404 ResourceNotFoundException
ApiError resourceConflict(const std::string &message);        // 409 ResourceConflictException
ApiError preconditionFailed(const std::string &message);      // 412 PreconditionFailedException
ApiError requestTooLarge(const std::string &message);         // 413 RequestTooLargeException
ApiError tooManyRequests(const std::string &message);         // 429 TooManyRequestsException
ApiError serviceError(const std::string &message);            // 500 ServiceException
ApiError unknownOperation(const std::string &message);        // 404 UnknownOperationException

// "1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: ...",
// Lambda's wording for a constraint a value breaks.
ApiError constraintError(const std::string &value, const std::string &field,
                         const std::string &constraint);

} // namespace nimbus::lambda
