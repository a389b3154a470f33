// The SQS API on the control plane's endpoint: decoding, the service's answer, encoding.
#include "controlplane.h"

namespace nimbus::sim {

void ControlPlane::sqsRequest(const ApiRequest &r, net::Responder &responder,
                              const std::optional<lambda::ApiError> &refused) {
    const std::string requestId = newRequestId();
    sqs::Error error;
    const auto call = sqs::decode(std::string((*r.http)["X-Amz-Target"]),
                                  std::string((*r.http)[boost::beast::http::field::content_type]),
                                  r.body, error);
    const auto protocol = call ? call->protocol
                          : std::string((*r.http)["X-Amz-Target"]).empty() ? sqs::Protocol::Query
                                                                             : sqs::Protocol::Json;
    if (refused) {
        sqs::Error denied;
        denied.status = 403;
        denied.type = refused->type == "UnrecognizedClientException" ? "InvalidClientTokenId"
                                                                      : "SignatureDoesNotMatch";
        denied.queryCode = denied.type;
        denied.message = refused->message;
        responder(sqs::encodeError(protocol, denied, requestId));
        return;
    }
    if (!call) {
        responder(sqs::encodeError(protocol, error, requestId));
        return;
    }
    if (!m_sqs || m_shutdown) {
        responder(sqs::encodeError(protocol, sqs::internalError("the simulator is stopping"),
                                   requestId));
        return;
    }
    const std::string host((*r.http)[boost::beast::http::field::host]);
    m_sqs->call(*call, "http://" + (host.empty() ? "127.0.0.1" : host),
                [call = *call, requestId, responder](nlohmann::json result,
                                                     std::optional<sqs::Error> failure) {
                    responder(failure ? sqs::encodeError(call.protocol, *failure, requestId)
                                    : sqs::encode(call, result, requestId));
                });
}

} // namespace nimbus::sim
