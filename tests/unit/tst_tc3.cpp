#include "nimbus/tc3/tc3.h"

#include <QtTest>

using namespace nimbus::tc3;

// TC3-HMAC-SHA256 against Tencent Cloud's published worked example (the "Signature v3"
// page of the API 3.0 documentation: CVM DescribeInstances, SecretKey
// Gu5t9xGARNpq86cd98joQYCN3EXAMPLE, X-TC-Timestamp 1551113065), every intermediate value
// the page prints; then the verifier's verdicts, as the simulator's SCF front gives them.
class TestTc3 : public QObject {
    Q_OBJECT
private slots:
    void publishedExample();
    void signerProducesThePublishedHeader();
    void verifierAcceptsWhatTheSignerSigns();
    void verifierAcceptsTheSdksHostWithoutPort();
    void verifierRefuses_data();
    void verifierRefuses();
};

namespace {
const char *kSecretId = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const char *kSecretKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
constexpr std::time_t kTimestamp = 1551113065; // 2019-02-26 00:44:25 UTC+8: 2019-02-25 UTC
const char *kPayload = R"({"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], )"
                       R"("Name": "instance-name"}]})";

Request example() {
    return {"POST",
            "/",
            "",
            {{"Content-Type", "application/json; charset=utf-8"},
             {"Host", "cvm.tencentcloudapi.com"},
             {"X-TC-Action", "DescribeInstances"},
             {"X-TC-Version", "2017-03-12"},
             {"X-TC-Region", "ap-guangzhou"}},
            kPayload};
}

std::chrono::system_clock::time_point at(std::time_t t) {
    return std::chrono::system_clock::from_time_t(t);
}

std::optional<std::string> secretFor(const std::string &id) {
    if (id == kSecretId)
        return std::string(kSecretKey);
    return std::nullopt;
}

Request signedExample(const std::string &host = "cvm.tencentcloudapi.com") {
    Request r = example();
    for (auto &[name, value] : r.headers) {
        if (name == "Host")
            value = host;
    }
    sign(r, {kSecretId, kSecretKey, {}}, "cvm", kTimestamp);
    return r;
}

std::string headerOf(const Request &r, const std::string &name) {
    for (const auto &[k, v] : r.headers) {
        if (k == name)
            return v;
    }
    return {};
}
} // namespace

void TestTc3::publishedExample() {
    QCOMPARE(nimbus::sigv4::sha256Hex(kPayload),
             std::string("35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"));
    const std::string canonical = canonicalRequest(example(), {"content-type", "host"});
    QCOMPARE(canonical, std::string("POST\n/\n\ncontent-type:application/json; charset=utf-8\n"
                                    "host:cvm.tencentcloudapi.com\n\ncontent-type;host\n"
                                    "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f"
                                    "064"));
    QCOMPARE(nimbus::sigv4::sha256Hex(canonical),
             std::string("5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"));
    QCOMPARE(utcDate(kTimestamp), std::string("2019-02-25"));
    const std::string toSign = stringToSign(kTimestamp, "cvm", canonical);
    QCOMPARE(toSign, std::string("TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
                                 "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"));
    QCOMPARE(signature(kSecretKey, kTimestamp, "cvm", toSign),
             std::string("72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"));
}

void TestTc3::signerProducesThePublishedHeader() {
    const Request r = signedExample();
    QCOMPARE(headerOf(r, "Authorization"),
             std::string("TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/"
                         "2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, "
                         "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"));
    QCOMPARE(headerOf(r, "X-TC-Timestamp"), std::string("1551113065"));
    QVERIFY(headerOf(r, "X-TC-Token").empty());

    Request withToken = example();
    sign(withToken, {kSecretId, kSecretKey, "session-token"}, "cvm", kTimestamp);
    QCOMPARE(headerOf(withToken, "X-TC-Token"), std::string("session-token"));
}

void TestTc3::verifierAcceptsWhatTheSignerSigns() {
    const Verdict v = verify(signedExample(), "cvm", secretFor, at(kTimestamp + 120));
    QVERIFY2(v.ok, v.message.c_str());
    QCOMPARE(v.secretId, std::string(kSecretId));
}

// Tencent's Node SDK signs the endpoint's host name, while the request it sends to a local
// endpoint carries the port in Host.
void TestTc3::verifierAcceptsTheSdksHostWithoutPort() {
    Request r = signedExample("127.0.0.1:9123");
    QVERIFY(headerOf(r, "Authorization").find("Signature=") != std::string::npos);
    const Verdict v = verify(r, "cvm", secretFor, at(kTimestamp));
    QVERIFY2(v.ok, v.message.c_str());

    // Tencent's Node SDK names the service after the endpoint's first label: '127'.
    Request sdk = example();
    for (auto &[name, value] : sdk.headers) {
        if (name == "Host")
            value = "127.0.0.1:9123";
    }
    sign(sdk, {kSecretId, kSecretKey, {}}, "127", kTimestamp);
    const Verdict fromSdk = verify(sdk, "scf", secretFor, at(kTimestamp));
    QVERIFY2(fromSdk.ok, fromSdk.message.c_str());

    // A signature over another host is still refused.
    for (auto &[name, value] : r.headers) {
        if (name == "Host")
            value = "127.0.0.2:9123";
    }
    QCOMPARE(verify(r, "cvm", secretFor, at(kTimestamp)).errorCode,
             std::string("AuthFailure.SignatureFailure"));
}

void TestTc3::verifierRefuses_data() {
    QTest::addColumn<QString>("change");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("messagePart");
    const qint64 t = kTimestamp;
    QTest::newRow("body changed") << "body" << t << "AuthFailure.SignatureFailure"
                                  << "could not be validated";
    QTest::newRow("wrong secret") << "secret" << t << "AuthFailure.SignatureFailure"
                                  << "could not be validated";
    QTest::newRow("unknown id") << "id" << t << "AuthFailure.SecretIdNotFound" << "AKIDunknown";
    QTest::newRow("six minutes late") << "none" << t + 360 << "AuthFailure.SignatureExpire"
                                      << "360 s";
    QTest::newRow("six minutes early") << "none" << t - 360 << "AuthFailure.SignatureExpire"
                                       << "five minutes";
    QTest::newRow("no authorization") << "noauth" << t << "AuthFailure.SignatureFailure"
                                      << "no Authorization header";
    QTest::newRow("other algorithm") << "algorithm" << t << "AuthFailure.InvalidAuthorization"
                                     << "AWS4-HMAC-SHA256";
    QTest::newRow("no timestamp") << "notimestamp" << t << "MissingParameter" << "X-TC-Timestamp";
    QTest::newRow("other service") << "service" << t << "AuthFailure.SignatureFailure"
                                   << "2019-02-25/cvm/tc3_request";
    QTest::newRow("host not signed") << "signedheaders" << t << "AuthFailure.SignatureFailure"
                                     << "'host'";
    QTest::newRow("bad credential") << "credential" << t << "AuthFailure.InvalidAuthorization"
                                    << "SECRETID/DATE/SERVICE/tc3_request";
}

void TestTc3::verifierRefuses() {
    QFETCH(QString, change);
    QFETCH(qint64, now);
    QFETCH(QString, code);
    QFETCH(QString, messagePart);
    Request r = example();
    Credentials credentials{kSecretId, kSecretKey, {}};
    std::string service = "cvm";
    if (change == "secret")
        credentials.secretKey = "another";
    if (change == "id")
        credentials.secretId = "AKIDunknown";
    if (change == "service")
        service = "scf";
    sign(r, credentials, service, kTimestamp);
    auto replaceAuthorization = [&](const std::string &from, const std::string &to) {
        for (auto &[name, value] : r.headers) {
            if (name == "Authorization")
                value.replace(value.find(from), from.size(), to);
        }
    };
    if (change == "body")
        r.body += " ";
    if (change == "noauth" || change == "notimestamp")
        std::erase_if(r.headers, [&](const auto &h) {
            return h.first == (change == "noauth" ? "Authorization" : "X-TC-Timestamp");
        });
    if (change == "algorithm")
        replaceAuthorization("TC3-HMAC-SHA256", "AWS4-HMAC-SHA256");
    if (change == "signedheaders")
        replaceAuthorization("content-type;host", "content-type");
    if (change == "credential")
        replaceAuthorization("/tc3_request", "/aws4_request");
    const Verdict v = verify(r, "cvm", secretFor, at(now));
    QVERIFY(!v.ok);
    QCOMPARE(QString::fromStdString(v.errorCode), code);
    QVERIFY2(QString::fromStdString(v.message).contains(messagePart), v.message.c_str());
}

QTEST_APPLESS_MAIN(TestTc3)
#include "tst_tc3.moc"
