// Signature V4 as the control plane checks it on every request (sigv4::verify, with the
// Authorization header's parameters read by authorizationParameters and split), for the
// services one endpoint serves; and the signer against the verifier: any request our client
// signs (sigv4::sign) must pass our server's check, whatever its path, query and headers.
#include "nimbus/sigv4/sigv4.h"

#include "fuzzinput.h"
#include "httprequest.h"
#include "signedparts.h"

#include <cstdio>
#include <cstdlib>

using namespace nimbus;

namespace {

const sigv4::Credentials kCredentials{"AKIDNIMBUSFUZZ", "fuzz-secret-key", ""};

std::optional<std::string> secretFor(const std::string &key) {
    return key == kCredentials.accessKeyId ? std::optional(kCredentials.secretAccessKey)
                                           : std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto parsed = fuzz::parseHttpRequest(fuzz::asText(data, size));
    if (!parsed)
        return 0;
    // 2026-11-26T10:07:00Z, the X-Amz-Date of the seeds.
    const auto now = std::chrono::system_clock::from_time_t(1795687620);
    sigv4::Request request = fuzz::signedPartsOf<sigv4::Request>(*parsed);
    for (const char *service : {"lambda", "s3", "sqs", "logs"})
        (void)sigv4::verify(request, service, secretFor, now);

    // What our own client would sign: the request as it is, Host present, none of the
    // headers the signer sets.
    fuzz::withoutHeaders(request, {"authorization", "x-amz-date", "x-amz-security-token"});
    if (!fuzz::hasHeader(request, "host"))
        return 0;
    sigv4::sign(request, kCredentials, {sigv4::amzDate(now), "us-east-1", "lambda"});
    const sigv4::Verdict verdict = sigv4::verify(request, "lambda", secretFor, now);
    if (!verdict.ok) {
        std::fprintf(stderr, "a request sigv4::sign signed fails sigv4::verify: %s: %s\n",
                     verdict.errorType.c_str(), verdict.message.c_str());
        std::abort();
    }
    return 0;
}
