// The S3 REST API on the control plane's endpoint: the signature's verdict in S3's terms,
// aws-chunked bodies unframed, then the storage service.
#include "controlplane.h"

namespace nimbus::sim {

void ControlPlane::s3Request(const ApiRequest &r, net::Responder &responder,
                             const std::optional<lambda::ApiError> &refused) {
    const std::string requestId = newRequestId();
    const bool head = r.http->method() == boost::beast::http::verb::head;
    if (refused) {
        s3::Error denied;
        denied.status = refused->type == "XAmzContentSHA256Mismatch" || refused->type == "InvalidRequest"
                            ? 400
                            : 403;
        denied.code = refused->type == "UnrecognizedClientException" ? "InvalidAccessKeyId"
                      : refused->type == "InvalidSignatureException" ? "SignatureDoesNotMatch"
                                                                      : refused->type;
        denied.message = refused->message;
        responder(s3::errorResponse(denied, requestId, head));
        return;
    }
    if (!m_s3 || m_shutdown) {
        s3::Error stopping;
        stopping.status = 503;
        stopping.code = "ServiceUnavailable";
        stopping.message = "the simulator is stopping";
        responder(s3::errorResponse(stopping, requestId, head));
        return;
    }
    const std::string encoding((*r.http)[boost::beast::http::field::content_encoding]);
    const std::string payloadHash((*r.http)["x-amz-content-sha256"]);
    if (encoding.find("aws-chunked") != std::string::npos || payloadHash.rfind("STREAMING-", 0) == 0) {
        const auto body = s3::decodeAwsChunked(r.body);
        if (!body) {
            s3::Error broken;
            broken.code = "IncompleteBody";
            broken.message = "The aws-chunked body is cut short or its framing is broken.";
            responder(s3::errorResponse(broken, requestId, head));
            return;
        }
        responder(m_s3->handle(*r.http, *body, requestId));
        return;
    }
    responder(m_s3->handle(*r.http, r.body, requestId));
}

} // namespace nimbus::sim
