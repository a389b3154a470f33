#include "bucketnotifications.h"

#include "../pool/runtimelauncher.h"
#include "manifestresources.h"
#include "nimbus/net/textformat.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace nimbus::sim {

using json = nlohmann::json;

namespace {

// S3 writes keys in events form-encoded: spaces as '+', the rest %XX but for safe ones.
std::string formEncode(const std::string &key) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : key) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' ||
            c == '*' || c == '!' || c == '\'' || c == '(' || c == ')') {
            out.push_back(static_cast<char>(c));
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0xF]);
        }
    }
    return out;
}

} // namespace

namespace {

// An SCF cos trigger's notification: its bucket NAME-APPID.cos.REGION.myqcloud.com is the
// local bucket NAME-APPID.
std::optional<BucketNotification> cosNotification(const manifest::Function &function,
                                                  const manifest::Event &event) {
    const json settings = yamlToJson(event.settings);
    if (!settings.is_object() || !settings.contains("bucket") || !settings["bucket"].is_string())
        return std::nullopt;
    std::string host = settings["bucket"].get<std::string>();
    if (const auto scheme = host.find("://"); scheme != std::string::npos)
        host = host.substr(scheme + 3);
    BucketNotification n;
    n.function = function.name;
    n.configurationId = event.name;
    n.bucket = host.substr(0, host.find('.'));
    BucketNotification::Cos cos;
    const auto dash = n.bucket.rfind('-');
    const bool appIdSuffix =
        dash != std::string::npos && dash + 1 < n.bucket.size() &&
        std::all_of(n.bucket.begin() + static_cast<long>(dash) + 1, n.bucket.end(), ::isdigit);
    cos.name = appIdSuffix ? n.bucket.substr(0, dash) : n.bucket;
    cos.appId = appIdSuffix ? n.bucket.substr(dash + 1) : RuntimeLauncher::kScfLocalAppId;
    cos.deployedName = function.deployedName;
    cos.namespaceName = function.namespaceName;
    n.cos = cos;
    n.event = settings.value("events", std::string("cos:ObjectCreated:*"));
    if (settings.contains("filter") && settings["filter"].is_object()) {
        const json &filter = settings["filter"];
        if (filter.contains("prefix") && filter["prefix"].is_string() &&
            !filter["prefix"].get<std::string>().empty())
            n.prefixes.push_back(filter["prefix"].get<std::string>());
        if (filter.contains("suffix") && filter["suffix"].is_string() &&
            !filter["suffix"].get<std::string>().empty())
            n.suffixes.push_back(filter["suffix"].get<std::string>());
    }
    return n;
}

// COS's short names of regions, as its events write them.
std::string cosRegion(const std::string &region) {
    static const std::map<std::string, std::string> shortNames{
        {"ap-guangzhou", "gz"}, {"ap-shanghai", "sh"},  {"ap-beijing", "bj"},
        {"ap-chengdu", "cd"},   {"ap-chongqing", "cq"}, {"ap-hongkong", "hk"},
        {"ap-singapore", "sg"}, {"ap-nanjing", "nj"}};
    const auto it = shortNames.find(region);
    return it == shortNames.end() ? region : it->second;
}

// COS's URL encoding of a key in an object's URL: every byte but unreserved ones and '/'.
std::string cosEncode(const std::string &key) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : key) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0xF]);
        }
    }
    return out;
}

} // namespace

std::vector<BucketNotification> bucketNotificationsOf(const manifest::Manifest &manifest) {
    std::vector<BucketNotification> out;
    if (manifest::isScf(manifest.dialect)) {
        for (const auto &function : manifest.functions)
            for (const auto &event : function.events)
                if (event.type == "cos" && event.enabled)
                    if (auto n = cosNotification(function, event))
                        out.push_back(std::move(*n));
        return out;
    }
    const auto *providerNode = manifest.tree.find("provider");
    const auto *providerS3 = providerNode ? providerNode->find("s3") : nullptr;
    for (const auto &function : manifest.functions) {
        int number = 0;
        for (const auto &event : function.events) {
            if (event.type != "s3")
                continue;
            ++number;
            const json settings = yamlToJson(event.settings);
            BucketNotification n;
            n.function = function.name;
            n.configurationId = function.deployedName + "-s3-" + std::to_string(number);
            const json reference = settings.is_object() ? settings.value("bucket", json()) : settings;
            n.bucket = referencedName(manifest, reference, "AWS::S3::Bucket", "BucketName");
            if (n.bucket.empty())
                continue;
            // provider.s3.KEY: {name: ...} defines a bucket the event names by KEY.
            if (providerS3 && reference.is_string())
                if (const auto *defined = providerS3->find(n.bucket))
                    if (const auto *name = defined->find("name"); name && name->isScalar())
                        n.bucket = name->scalar;
            if (settings.is_object()) {
                if (settings.contains("event") && settings["event"].is_string())
                    n.event = settings["event"].get<std::string>();
                n.existing = settings.value("existing", false);
                if (settings.contains("rules") && settings["rules"].is_array())
                    for (const auto &rule : settings["rules"]) {
                        if (!rule.is_object())
                            continue;
                        if (rule.contains("prefix") && rule["prefix"].is_string())
                            n.prefixes.push_back(rule["prefix"].get<std::string>());
                        if (rule.contains("suffix") && rule["suffix"].is_string())
                            n.suffixes.push_back(rule["suffix"].get<std::string>());
                    }
            }
            out.push_back(std::move(n));
        }
    }
    return out;
}

bool matches(const BucketNotification &n, const std::string &eventName, const std::string &key) {
    // s3:ObjectCreated:* (cos:ObjectCreated:*) takes every ObjectCreated:...; otherwise the
    // name itself.
    const std::string wanted = n.event.rfind("s3:", 0) == 0    ? n.event.substr(3)
                               : n.event.rfind("cos:", 0) == 0 ? n.event.substr(4)
                                                               : n.event;
    const bool eventMatches =
        wanted == eventName ||
        (wanted.size() > 2 && wanted.compare(wanted.size() - 2, 2, ":*") == 0 &&
         eventName.rfind(wanted.substr(0, wanted.size() - 1), 0) == 0);
    if (!eventMatches)
        return false;
    for (const auto &prefix : n.prefixes)
        if (key.rfind(prefix, 0) != 0)
            return false;
    for (const auto &suffix : n.suffixes)
        if (key.size() < suffix.size() ||
            key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0)
            return false;
    return true;
}

std::string s3EventPayload(const BucketNotification &n, const std::string &eventName,
                           const std::string &key, long long size, const std::string &etag,
                           const std::string &sequencer, const std::string &requestId,
                           const std::string &region, long long timeMs) {
    if (n.cos) {
        // COS's event, as SCF hands it to a function (its documented shape, "unkown" and all).
        const std::string host = n.bucket + ".cos." + region + ".myqcloud.com";
        json record = {
            {"cos",
             {{"cosSchemaVersion", "1.0"},
              {"cosObject",
               {{"url", "http://" + host + "/" + cosEncode(key)},
                {"meta", {{"x-cos-request-id", requestId}, {"Content-Type", ""}}},
                {"vid", ""},
                {"key", "/" + n.cos->appId + "/" + n.cos->name + "/" + key},
                {"size", eventName.rfind("ObjectCreated:", 0) == 0 ? size : 0}}},
              {"cosBucket",
               {{"region", cosRegion(region)}, {"name", n.cos->name}, {"appid", n.cos->appId}}},
              {"cosNotificationId", "unkown"}}},
            {"event",
             {{"eventName", "cos:" + eventName},
              {"eventVersion", "1.0"},
              {"eventTime", timeMs / 1000},
              {"eventSource", "qcs::cos"},
              {"requestParameters",
               {{"requestSourceIP", "127.0.0.1"}, {"requestHeaders", json::object()}}},
              {"eventQueue", "qcs:0:lambda:" + cosRegion(region) + ":appid/" + n.cos->appId + ":" +
                                 n.cos->namespaceName + "." + n.cos->deployedName + ".$LATEST"},
              {"reservedInfo", ""},
              {"reqid",
               static_cast<long long>(std::hash<std::string>{}(sequencer + key) % 1000000000)}}}};
        (void)etag;
        return json{{"Records", json::array({record})}}.dump();
    }
    json object = {{"key", formEncode(key)}, {"sequencer", sequencer}};
    if (eventName.rfind("ObjectCreated:", 0) == 0) {
        object["size"] = size;
        object["eTag"] = etag;
    }
    json record = {
        {"eventVersion", "2.1"},
        {"eventSource", "aws:s3"},
        {"awsRegion", region},
        {"eventTime", net::isoMillis(timeMs)},
        {"eventName", eventName},
        {"userIdentity", {{"principalId", "AWS:NIMBUSLOCAL"}}},
        {"requestParameters", {{"sourceIPAddress", "127.0.0.1"}}},
        {"responseElements", {{"x-amz-request-id", requestId}, {"x-amz-id-2", requestId}}},
        {"s3",
         {{"s3SchemaVersion", "1.0"},
          {"configurationId", n.configurationId},
          {"bucket",
           {{"name", n.bucket},
            {"ownerIdentity", {{"principalId", "NIMBUSLOCAL"}}},
            {"arn", "arn:aws:s3:::" + n.bucket}}},
          {"object", object}}}};
    return json{{"Records", json::array({record})}}.dump();
}

} // namespace nimbus::sim
