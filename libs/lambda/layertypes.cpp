#include "nimbus/lambda/layertypes.h"

#include "fieldreader.h"

#include <algorithm>
#include <charconv>
#include <regex>

namespace nimbus::lambda {

using nlohmann::json;

namespace {

using detail::FieldReader;

const char *const kArchitectures[] = {"x86_64", "arm64"};

// Lambda's patterns, as its model states them (with '-' last in the classes, where
// std::regex wants it).
const char *const kLayerNamePattern =
    "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";
const char *const kLayerVersionArnPattern =
    "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+";
const char *const kFunctionLayerPattern =
    "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+";

const std::regex &layerArnRegex() {
    static const std::regex pattern(
        "arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\\d{12}):layer:([a-zA-Z0-9_-]+)");
    return pattern;
}

const std::regex &layerVersionArnRegex() {
    static const std::regex pattern(
        "arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\\d{12}):layer:([a-zA-Z0-9_-]+):([0-9]+)");
    return pattern;
}

const std::regex &functionLayerRegex() {
    static const std::regex pattern("arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\\d:"
                                    "\\d{12}:layer:[a-zA-Z0-9_-]+:[0-9]+");
    return pattern;
}

bool isLayerName(const std::string &s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
}

std::string listText(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &item : items)
        out += (out.empty() ? "" : ", ") + item;
    return "[" + out + "]";
}

bool contains(const std::vector<std::string> &items, const std::string &item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

std::optional<ApiError> checkRuntimes(const std::vector<std::string> &runtimes, const char *field,
                                      const Limits &limits) {
    if (limits.runtimes.empty())
        return std::nullopt;
    for (const auto &runtime : runtimes)
        if (!contains(limits.runtimes, runtime))
            return constraintError(listText(runtimes), field,
                                   "Member must satisfy constraint: [Member must satisfy enum "
                                   "value set: " +
                                       listText(limits.runtimes) + "]");
    return std::nullopt;
}

std::optional<ApiError> checkArchitectures(const std::vector<std::string> &architectures,
                                           const char *field) {
    for (const auto &architecture : architectures)
        if (std::find(std::begin(kArchitectures), std::end(kArchitectures), architecture) ==
            std::end(kArchitectures))
            return constraintError(listText(architectures), field,
                                   "Member must satisfy constraint: [Member must satisfy enum "
                                   "value set: [x86_64, arm64]]");
    return std::nullopt;
}

// The members a version's descriptions share beside their ARNs and content.
void addDetails(json &out, const LayerVersion &v) {
    out["Description"] = v.description;
    out["CreatedDate"] = v.createdDate;
    out["Version"] = v.version;
    if (!v.compatibleRuntimes.empty())
        out["CompatibleRuntimes"] = v.compatibleRuntimes;
    if (!v.compatibleArchitectures.empty())
        out["CompatibleArchitectures"] = v.compatibleArchitectures;
    if (!v.licenseInfo.empty())
        out["LicenseInfo"] = v.licenseInfo;
}

std::vector<std::string> stringsAt(const json &j, const char *key) {
    std::vector<std::string> out;
    if (auto it = j.find(key); it != j.end() && it->is_array())
        for (const auto &item : *it)
            if (item.is_string())
                out.push_back(item.get<std::string>());
    return out;
}

} // namespace

std::optional<ApiError> parse(const json &body, PublishLayerVersionRequest &out,
                              const Limits &limits) {
    FieldReader r(body, "PublishLayerVersionRequest");
    out.description = r.string("Description").value_or("");
    out.compatibleRuntimes =
        r.stringList("CompatibleRuntimes").value_or(std::vector<std::string>{});
    out.compatibleArchitectures =
        r.stringList("CompatibleArchitectures").value_or(std::vector<std::string>{});
    out.licenseInfo = r.string("LicenseInfo").value_or("");
    const json *content = r.object("Content");
    if (content) {
        FieldReader c(*content, "LayerVersionContentInput", "Content");
        out.zipFileBase64 = c.string("ZipFile").value_or("");
        const bool s3 = c.string("S3Bucket").has_value() | c.string("S3Key").has_value() |
                        c.string("S3ObjectVersion").has_value();
        r.adopt(c.finish());
        if (!r.failed() && s3)
            r.adopt(invalidParameter("Content.S3Bucket is not supported by this endpoint: "
                                     "upload the package as Content.ZipFile"));
    }
    if (auto error = r.finish())
        return error;
    if (!content)
        return validationError("1 validation error detected: Value null at 'content' failed to "
                               "satisfy constraint: Member must not be null");
    if (out.zipFileBase64.empty())
        return invalidParameter("Content.ZipFile is required: upload the layer's package");
    if (out.description.size() > 256)
        return constraintError(out.description.substr(0, 40) + "...", "description",
                               "Member must have length less than or equal to 256");
    if (out.licenseInfo.size() > 512)
        return constraintError(out.licenseInfo.substr(0, 40) + "...", "licenseInfo",
                               "Member must have length less than or equal to 512");
    if (out.compatibleRuntimes.size() > 15)
        return constraintError(listText(out.compatibleRuntimes), "compatibleRuntimes",
                               "Member must have length less than or equal to 15");
    if (auto error = checkRuntimes(out.compatibleRuntimes, "compatibleRuntimes", limits))
        return error;
    if (out.compatibleArchitectures.size() > 2)
        return constraintError(listText(out.compatibleArchitectures), "compatibleArchitectures",
                               "Member must have length less than or equal to 2");
    return checkArchitectures(out.compatibleArchitectures, "compatibleArchitectures");
}

std::optional<LayerRef> parseLayerName(const std::string &text, ApiError &error) {
    if (text.empty() || text.size() > 140) {
        error = constraintError(text, "layerName",
                                text.empty() ? "Member must have length greater than or equal to 1"
                                             : "Member must have length less than or equal to 140");
        return std::nullopt;
    }
    if (isLayerName(text))
        return LayerRef{{}, {}, {}, text, 0};
    std::smatch m;
    if (!std::regex_match(text, m, layerArnRegex())) {
        error = constraintError(text, "layerName",
                                std::string("Member must satisfy regular expression pattern: ") +
                                    kLayerNamePattern);
        return std::nullopt;
    }
    return LayerRef{m[1], m[2], m[3], m[4], 0};
}

std::optional<LayerRef> parseLayerVersionArn(const std::string &text, ApiError &error) {
    std::smatch m;
    if (text.size() > 140 || !std::regex_match(text, m, layerVersionArnRegex())) {
        error = constraintError(
            text, "arn",
            text.size() > 140 ? std::string("Member must have length less than or equal to 140")
                              : std::string("Member must satisfy regular expression pattern: ") +
                                    kLayerVersionArnPattern);
        return std::nullopt;
    }
    LayerRef ref{m[1], m[2], m[3], m[4], 0};
    const std::string number = m[5];
    const auto [end, ec] =
        std::from_chars(number.data(), number.data() + number.size(), ref.version);
    if (ec != std::errc() || end != number.data() + number.size()) {
        error = constraintError(number, "versionNumber", "Member must be a 64-bit number");
        return std::nullopt;
    }
    return ref;
}

std::optional<ApiError> checkLayerList(const std::vector<std::string> &arns) {
    for (const auto &arn : arns)
        if (arn.empty() || arn.size() > 2048 || !std::regex_match(arn, functionLayerRegex()))
            return constraintError(listText(arns), "layers",
                                   std::string("Member must satisfy constraint: [Member must have "
                                               "length less than or equal to 2048, Member must "
                                               "have length greater than or equal to 1, Member "
                                               "must satisfy regular expression pattern: ") +
                                       kFunctionLayerPattern + "]");
    return std::nullopt;
}

std::optional<ApiError> checkLayerFilters(const std::string &runtime,
                                          const std::string &architecture, const Limits &limits) {
    if (!runtime.empty() && !limits.runtimes.empty() && !contains(limits.runtimes, runtime))
        return constraintError(runtime, "compatibleRuntime",
                               "Member must satisfy enum value set: " + listText(limits.runtimes));
    if (!architecture.empty() && architecture != kArchitectures[0] &&
        architecture != kArchitectures[1])
        return constraintError(architecture, "compatibleArchitecture",
                               "Member must satisfy enum value set: [x86_64, arm64]");
    return std::nullopt;
}

bool compatibleWith(const LayerVersion &v, const std::string &runtime,
                    const std::string &architecture) {
    return (runtime.empty() || contains(v.compatibleRuntimes, runtime)) &&
           (architecture.empty() || contains(v.compatibleArchitectures, architecture));
}

std::string layerArn(const std::string &region, const std::string &account,
                     const std::string &name) {
    return "arn:aws:lambda:" + region + ":" + account + ":layer:" + name;
}

json toJson(const LayerVersion &v, const std::string &location) {
    json out{{"Content",
              {{"Location", location}, {"CodeSha256", v.codeSha256}, {"CodeSize", v.codeSize}}},
             {"LayerArn", v.layerArn},
             {"LayerVersionArn", v.layerVersionArn}};
    addDetails(out, v);
    return out;
}

json toListItemJson(const LayerVersion &v) {
    json out{{"LayerVersionArn", v.layerVersionArn}};
    addDetails(out, v);
    return out;
}

json toLayersListItemJson(const LayerVersion &latest) {
    return {{"LayerName", latest.layerName},
            {"LayerArn", latest.layerArn},
            {"LatestMatchingVersion", toListItemJson(latest)}};
}

json toRecordJson(const LayerVersion &v) {
    json out = toJson(v, "");
    out["Content"].erase("Location");
    out["LayerName"] = v.layerName;
    return out;
}

LayerVersion layerVersionFromJson(const json &j) {
    LayerVersion v;
    v.layerName = j.value("LayerName", "");
    v.layerArn = j.value("LayerArn", "");
    v.layerVersionArn = j.value("LayerVersionArn", "");
    v.version = j.value("Version", 0LL);
    v.description = j.value("Description", "");
    v.createdDate = j.value("CreatedDate", "");
    v.compatibleRuntimes = stringsAt(j, "CompatibleRuntimes");
    v.compatibleArchitectures = stringsAt(j, "CompatibleArchitectures");
    v.licenseInfo = j.value("LicenseInfo", "");
    if (auto it = j.find("Content"); it != j.end() && it->is_object()) {
        v.codeSha256 = it->value("CodeSha256", "");
        v.codeSize = it->value("CodeSize", 0LL);
    }
    return v;
}

} // namespace nimbus::lambda
