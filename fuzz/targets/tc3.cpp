// TC3-HMAC-SHA256 as the simulator's SCF front checks it (tc3::verify, the Authorization
// header read by sigv4::authorizationParameters), and the signer against the verifier: any
// request our SCF client signs (tc3::sign) must pass our server's check.
#include "nimbus/tc3/tc3.h"

#include "fuzzinput.h"
#include "httprequest.h"
#include "signedparts.h"

#include <cstdio>
#include <cstdlib>

using namespace nimbus;

namespace {

const tc3::Credentials kCredentials{"AKIDNIMBUSFUZZ", "fuzz-secret-key", ""};

std::optional<std::string> secretFor(const std::string &id) {
    return id == kCredentials.secretId ? std::optional(kCredentials.secretKey) : std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto parsed = fuzz::parseHttpRequest(fuzz::asText(data, size));
    if (!parsed)
        return 0;
    // 2026-11-26T10:07:00Z, the X-TC-Timestamp of the seeds.
    const std::time_t timestamp = 1795687620;
    const auto now = std::chrono::system_clock::from_time_t(timestamp);
    tc3::Request request = fuzz::signedPartsOf<tc3::Request>(*parsed);
    (void)tc3::verify(request, "scf", secretFor, now);

    fuzz::withoutHeaders(request, {"authorization", "x-tc-timestamp", "x-tc-token"});
    // (The SDKs always send both headers TC3 signs.)
    if (!fuzz::hasHeader(request, "host") || !fuzz::hasHeader(request, "content-type"))
        return 0;
    tc3::sign(request, kCredentials, "scf", timestamp);
    const tc3::Verdict verdict = tc3::verify(request, "scf", secretFor, now);
    if (!verdict.ok) {
        std::fprintf(stderr, "a request tc3::sign signed fails tc3::verify: %s: %s\n",
                     verdict.errorCode.c_str(), verdict.message.c_str());
        std::abort();
    }
    return 0;
}
