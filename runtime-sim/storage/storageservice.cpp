#include "storageservice.h"

#include "../simulator/wallclock.h"
#include "nimbus/net/base64.h"
#include "nimbus/net/digest.h"
#include "nimbus/net/textformat.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <random>

namespace nimbus::sim {

using json = nlohmann::json;
namespace http = boost::beast::http;

namespace {

constexpr const char *kNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";
// Headers S3 keeps with an object and gives back.
constexpr const char *kStoredHeaders[] = {"Cache-Control", "Content-Disposition",
                                          "Content-Encoding", "Content-Language", "Expires"};
constexpr long long kMinPartSize = 5 * 1024 * 1024;

s3::Error error(unsigned status, std::string code, std::string message) {
    s3::Error e;
    e.status = status;
    e.code = std::move(code);
    e.message = std::move(message);
    return e;
}

bool validBucketName(const std::string &name) {
    if (name.size() < 3 || name.size() > 63)
        return false;
    if (!std::isalnum(static_cast<unsigned char>(name.front())) ||
        !std::isalnum(static_cast<unsigned char>(name.back())))
        return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
               return std::islower(c) || std::isdigit(c) || c == '-' || c == '.';
           }) &&
           name.find("..") == std::string::npos;
}

std::string unquote(std::string etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
        etag = etag.substr(1, etag.size() - 2);
    return etag;
}

std::string readFile(const std::string &path, long long offset, long long length) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw StoreError("an object's file is missing: " + path);
    in.seekg(offset);
    std::string out(static_cast<std::size_t>(length), '\0');
    in.read(out.data(), length);
    out.resize(static_cast<std::size_t>(in.gcount()));
    return out;
}

std::string newUploadId() {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    std::string raw;
    for (int i = 0; i < 24; ++i)
        raw.push_back(static_cast<char>(generator() & 0xFF));
    std::string id = net::base64Encode(raw);
    std::replace(id.begin(), id.end(), '/', '_');
    std::replace(id.begin(), id.end(), '+', '-');
    return id;
}

// What a request asks to keep with an object: x-amz-meta-* and the stored headers.
json metadataOf(const net::Request &request) {
    json meta = json::object(), headers = json::object();
    for (const auto &field : request) {
        const std::string name = net::asciiLower(field.name_string());
        if (name.rfind("x-amz-meta-", 0) == 0)
            meta[name.substr(11)] = std::string(field.value());
    }
    for (const char *header : kStoredHeaders) {
        const auto value = request[header];
        if (!value.empty())
            headers[header] = std::string(value);
    }
    return {{"meta", meta}, {"headers", headers}};
}

void applyMetadata(net::Response &response, const ObjectRecord &object) {
    response.set(http::field::content_type,
                 object.contentType.empty() ? "binary/octet-stream" : object.contentType);
    response.set(http::field::etag, object.etag);
    response.set(http::field::last_modified, net::httpDate(object.modifiedMs));
    response.set(http::field::accept_ranges, "bytes");
    const json metadata = json::parse(object.metadata, nullptr, false);
    if (!metadata.is_object())
        return;
    if (metadata.contains("meta"))
        for (const auto &[name, value] : metadata["meta"].items())
            response.set("x-amz-meta-" + name, value.get<std::string>());
    if (metadata.contains("headers"))
        for (const auto &[name, value] : metadata["headers"].items())
            response.set(name, value.get<std::string>());
}

} // namespace

StorageService::StorageService(Database &db, std::string folder, std::string region, Notify notify)
    : m_store(db, std::move(folder))
    , m_region(std::move(region))
    , m_notify(std::move(notify)) {}

void StorageService::migrate() {
    m_store.migrate();
}

std::size_t StorageService::sweep() {
    return m_store.sweep();
}

bool StorageService::bucketExists(const std::string &name) {
    return m_store.bucket(name).has_value();
}

void StorageService::ensureBucket(const std::string &name) {
    if (m_store.bucket(name))
        return;
    if (!validBucketName(name))
        throw error(400, "InvalidBucketName",
                    "The specified bucket is not valid: '" + name +
                        "' (3 to 63 lower-case letters, digits, '.' and '-').");
    m_store.putBucket({name, m_region, nowMs()});
}

json StorageService::describe() {
    json out = json::array();
    for (const auto &bucket : m_store.buckets()) {
        const auto usage = m_store.usage(bucket.name);
        out.push_back({{"name", bucket.name}, {"objects", usage.objects}, {"bytes", usage.bytes}});
    }
    return out;
}

void StorageService::requireBucket(const std::string &name) {
    if (!m_store.bucket(name))
        throw s3::noSuchBucket(name);
}

void StorageService::notify(std::string name, const std::string &bucket, const std::string &key,
                            long long size, const std::string &etag,
                            const std::string &requestId) {
    if (!m_notify)
        return;
    char sequencer[24];
    std::snprintf(sequencer, sizeof sequencer, "%016llX",
                  static_cast<unsigned long long>(nowMs() * 1000 + (++m_sequence % 1000)));
    m_notify({std::move(name), bucket, key, size, unquote(etag), requestId, sequencer});
}

net::Response StorageService::handle(const net::Request &request, const std::string &body,
                                     const std::string &requestId) {
    const bool head = request.method() == http::verb::head;
    try {
        const auto target = s3::parseTarget(std::string(request.target()));
        auto response = route(request, target, body, requestId);
        response.set("x-amz-request-id", requestId);
        return response;
    } catch (const s3::Error &e) {
        return s3::errorResponse(e, requestId, head);
    } catch (const StoreError &e) {
        return s3::errorResponse(
            error(500, "InternalError", std::string("the local store failed: ") + e.what()),
            requestId, head);
    } catch (const json::exception &e) {
        return s3::errorResponse(error(500, "InternalError", e.what()), requestId, head);
    }
}

net::Response StorageService::route(const net::Request &request, const s3::Target &t,
                                    const std::string &body, const std::string &requestId) {
    const auto method = request.method();
    if (t.bucket.empty()) {
        if (method == http::verb::get)
            return listBuckets(requestId);
        throw error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    }
    if (t.key.empty()) {
        if (method == http::verb::put) {
            if (t.has("tagging") || t.has("acl") || t.has("policy") || t.has("cors") ||
                t.has("notification") || t.has("versioning") || t.has("lifecycle"))
                throw s3::notImplemented("bucket configuration (PUT ?" + t.query.begin()->first + ")");
            if (!validBucketName(t.bucket))
                throw error(400, "InvalidBucketName", "The specified bucket is not valid.");
            if (m_store.bucket(t.bucket)) {
                // us-east-1 answers its owner's repeated create with success.
                if (m_region == "us-east-1")
                    return net::makeResponse(200, "", "application/xml");
                s3::Error e = error(409, "BucketAlreadyOwnedByYou",
                                    "Your previous request to create the named bucket succeeded "
                                    "and you already own it.");
                e.details.emplace_back("BucketName", t.bucket);
                throw e;
            }
            m_store.putBucket({t.bucket, m_region, nowMs()});
            auto response = net::makeResponse(200, "", "application/xml");
            response.set(http::field::location, "/" + t.bucket);
            return response;
        }
        requireBucket(t.bucket);
        if (method == http::verb::head)
            return net::makeResponse(200, "", "application/xml");
        if (method == http::verb::delete_) {
            if (!m_store.bucketEmpty(t.bucket)) {
                s3::Error e = error(409, "BucketNotEmpty",
                                    "The bucket you tried to delete is not empty");
                e.details.emplace_back("BucketName", t.bucket);
                throw e;
            }
            m_store.deleteBucket(t.bucket);
            return net::makeResponse(204, "", "application/xml");
        }
        if (method == http::verb::post && t.has("delete"))
            return deleteObjects(request, t, body, requestId);
        if (method == http::verb::get) {
            if (t.has("location"))
                return s3::xmlResponse(
                    std::string("<LocationConstraint xmlns=\"") + kNamespace + "\">" +
                        (m_region == "us-east-1" ? "" : m_region) + "</LocationConstraint>",
                    requestId);
            if (t.has("uploads")) {
                std::string xml = std::string("<ListMultipartUploadsResult xmlns=\"") +
                                  kNamespace + "\"><Bucket>" + net::xmlEscape(t.bucket) +
                                  "</Bucket><IsTruncated>false</IsTruncated>";
                for (const auto &u : m_store.uploads(t.bucket))
                    xml += "<Upload><Key>" + net::xmlEscape(u.key) + "</Key><UploadId>" + u.id +
                           "</UploadId><Initiated>" + net::isoMillis(u.createdMs) +
                           "</Initiated><StorageClass>STANDARD</StorageClass></Upload>";
                return s3::xmlResponse(xml + "</ListMultipartUploadsResult>", requestId);
            }
            if (t.has("versioning"))
                return s3::xmlResponse(std::string("<VersioningConfiguration xmlns=\"") +
                                           kNamespace + "\"/>",
                                       requestId);
            for (const char *unsupported : {"acl", "policy", "cors", "tagging", "notification",
                                            "lifecycle", "website", "logging", "encryption"})
                if (t.has(unsupported))
                    throw s3::notImplemented(std::string("bucket configuration (GET ?") +
                                             unsupported + ")");
            return listObjects(t, requestId);
        }
        throw error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    }
    requireBucket(t.bucket);
    if (t.key.size() > 1024)
        throw error(400, "KeyTooLongError", "Your key is too long");
    if (t.has("uploads") || t.has("uploadId"))
        return multipart(request, t, body, requestId);
    for (const char *unsupported : {"tagging", "acl", "retention", "legal-hold", "torrent",
                                    "attributes", "restore", "select"})
        if (t.has(unsupported))
            throw s3::notImplemented(std::string("object ?") + unsupported);
    if (method == http::verb::put) {
        if (!request["x-amz-copy-source"].empty())
            return copyObject(request, t, requestId);
        return putObject(request, t, body, requestId);
    }
    if (method == http::verb::get || method == http::verb::head)
        return getObject(request, t, method == http::verb::head);
    if (method == http::verb::delete_) {
        if (m_store.deleteObject(t.bucket, t.key))
            notify("ObjectRemoved:Delete", t.bucket, t.key, 0, "", requestId);
        return net::makeResponse(204, "", "application/xml");
    }
    throw error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}

net::Response StorageService::listBuckets(const std::string &requestId) {
    std::string xml = std::string("<ListAllMyBucketsResult xmlns=\"") + kNamespace +
                      "\"><Owner><ID>nimbus</ID><DisplayName>nimbus</DisplayName></Owner><Buckets>";
    for (const auto &b : m_store.buckets())
        xml += "<Bucket><Name>" + net::xmlEscape(b.name) + "</Name><CreationDate>" +
               net::isoMillis(b.createdMs) + "</CreationDate></Bucket>";
    return s3::xmlResponse(xml + "</Buckets></ListAllMyBucketsResult>", requestId);
}

net::Response StorageService::listObjects(const s3::Target &t, const std::string &requestId) {
    const bool v2 = t.param("list-type") == "2";
    const std::string prefix = t.param("prefix");
    const std::string delimiter = t.param("delimiter");
    const bool url = t.param("encoding-type") == "url";
    if (t.has("encoding-type") && !url)
        throw s3::invalidArgument("Invalid Encoding Method specified in Request");
    int maxKeys = 1000;
    if (t.has("max-keys")) {
        const std::string text = t.param("max-keys");
        if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
            throw s3::invalidArgument("Provided max-keys not an integer or within integer range");
        maxKeys = std::min(1000, std::stoi(text));
    }
    std::string start;
    if (v2) {
        start = t.param("start-after");
        if (t.has("continuation-token")) {
            const auto decoded = net::base64Decode(t.param("continuation-token"));
            if (!decoded)
                throw s3::invalidArgument("The continuation token provided is incorrect");
            start = std::max(start, *decoded);
        }
    } else {
        start = t.param("marker");
    }
    auto encode = [&](const std::string &text) { return url ? s3::urlEncode(text) : net::xmlEscape(text); };
    // A token that is a common prefix resumes after every key under it.
    const std::string skipUnder =
        !delimiter.empty() && start.size() >= delimiter.size() &&
                start.compare(start.size() - delimiter.size(), delimiter.size(), delimiter) == 0
            ? start
            : std::string();
    std::string contents, prefixes, lastReturned, lastPrefix;
    int count = 0;
    bool truncated = false;
    std::string after = start;
    while (!truncated) {
        const auto rows = m_store.objects(t.bucket, prefix, after, 1000);
        for (const auto &o : rows) {
            if (!skipUnder.empty() && o.key.rfind(skipUnder, 0) == 0)
                continue;
            std::string commonPrefix;
            if (!delimiter.empty()) {
                const auto at = o.key.find(delimiter, prefix.size());
                if (at != std::string::npos)
                    commonPrefix = o.key.substr(0, at + delimiter.size());
            }
            if (!commonPrefix.empty() && commonPrefix == lastPrefix)
                continue;
            if (count >= maxKeys) {
                truncated = true;
                break;
            }
            ++count;
            if (!commonPrefix.empty()) {
                lastPrefix = commonPrefix;
                lastReturned = commonPrefix;
                prefixes += "<CommonPrefixes><Prefix>" + encode(commonPrefix) + "</Prefix></CommonPrefixes>";
                continue;
            }
            lastReturned = o.key;
            contents += "<Contents><Key>" + encode(o.key) + "</Key><LastModified>" +
                        net::isoMillis(o.modifiedMs) + "</LastModified><ETag>" + net::xmlEscape(o.etag) +
                        "</ETag><Size>" + std::to_string(o.size) +
                        "</Size><StorageClass>STANDARD</StorageClass>" +
                        (v2 && t.param("fetch-owner") != "true"
                             ? ""
                             : "<Owner><ID>nimbus</ID><DisplayName>nimbus</DisplayName></Owner>") +
                        "</Contents>";
        }
        if (rows.size() < 1000 || truncated)
            break;
        after = rows.back().key;
    }
    std::string xml = std::string("<ListBucketResult xmlns=\"") + kNamespace + "\"><Name>" +
                      net::xmlEscape(t.bucket) + "</Name><Prefix>" + encode(prefix) + "</Prefix>";
    if (!delimiter.empty())
        xml += "<Delimiter>" + encode(delimiter) + "</Delimiter>";
    xml += "<MaxKeys>" + std::to_string(maxKeys) + "</MaxKeys>";
    if (url)
        xml += "<EncodingType>url</EncodingType>";
    xml += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
    if (v2) {
        xml += "<KeyCount>" + std::to_string(count) + "</KeyCount>";
        if (t.has("continuation-token"))
            xml += "<ContinuationToken>" + net::xmlEscape(t.param("continuation-token")) +
                   "</ContinuationToken>";
        if (t.has("start-after"))
            xml += "<StartAfter>" + encode(t.param("start-after")) + "</StartAfter>";
        if (truncated)
            xml += "<NextContinuationToken>" + net::base64Encode(lastReturned) +
                   "</NextContinuationToken>";
    } else {
        xml += "<Marker>" + encode(start) + "</Marker>";
        if (truncated && !delimiter.empty())
            xml += "<NextMarker>" + encode(lastReturned) + "</NextMarker>";
    }
    return s3::xmlResponse(xml + contents + prefixes + "</ListBucketResult>", requestId);
}

net::Response StorageService::putObject(const net::Request &request, const s3::Target &t,
                                        const std::string &body, const std::string &requestId) {
    const std::string md5 = net::md5(body);
    const auto contentMd5 = request[http::field::content_md5];
    if (!contentMd5.empty() && std::string(contentMd5) != net::base64Encode(md5))
        throw error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
    ObjectRecord object;
    object.bucket = t.bucket;
    object.key = t.key;
    object.size = static_cast<long long>(body.size());
    object.etag = "\"" + net::toHex(md5) + "\"";
    object.contentType = std::string(request[http::field::content_type]);
    object.metadata = metadataOf(request).dump();
    object.modifiedMs = nowMs();
    object.file = m_store.writeFile(body);
    try {
        m_store.putObject(object);
    } catch (...) {
        m_store.removeFile(object.file);
        throw;
    }
    notify("ObjectCreated:Put", t.bucket, t.key, object.size, object.etag, requestId);
    auto response = net::makeResponse(200, "", "application/xml");
    response.set(http::field::etag, object.etag);
    return response;
}

net::Response StorageService::copyObject(const net::Request &request, const s3::Target &t,
                                         const std::string &requestId) {
    std::string source(request["x-amz-copy-source"]);
    const auto question = source.find('?');
    if (question != std::string::npos)
        source.resize(question);
    const auto from = s3::parseTarget(source.front() == '/' ? source : "/" + source);
    if (from.bucket.empty() || from.key.empty())
        throw s3::invalidArgument("Copy Source must mention the source bucket and key: "
                                  "sourcebucket/sourcekey");
    requireBucket(from.bucket);
    const auto original = m_store.object(from.bucket, from.key);
    if (!original)
        throw s3::noSuchKey(from.key);
    const bool replace = request["x-amz-metadata-directive"] == "REPLACE";
    if (from.bucket == t.bucket && from.key == t.key && !replace)
        throw error(400, "InvalidRequest",
                    "This copy request is illegal because it is trying to copy an object to "
                    "itself without changing the object's metadata, storage class, website "
                    "redirect location or encryption attributes.");
    ObjectRecord copy = *original;
    copy.bucket = t.bucket;
    copy.key = t.key;
    copy.modifiedMs = nowMs();
    if (replace) {
        copy.contentType = std::string(request[http::field::content_type]);
        copy.metadata = metadataOf(request).dump();
    }
    copy.file = m_store.joinFiles({original->file});
    try {
        m_store.putObject(copy);
    } catch (...) {
        m_store.removeFile(copy.file);
        throw;
    }
    notify("ObjectCreated:Copy", t.bucket, t.key, copy.size, copy.etag, requestId);
    return s3::xmlResponse(std::string("<CopyObjectResult xmlns=\"") + kNamespace +
                               "\"><LastModified>" + net::isoMillis(copy.modifiedMs) +
                               "</LastModified><ETag>" + net::xmlEscape(copy.etag) +
                               "</ETag></CopyObjectResult>",
                           requestId);
}

net::Response StorageService::getObject(const net::Request &request, const s3::Target &t,
                                        bool head) {
    const auto object = m_store.object(t.bucket, t.key);
    if (!object)
        throw s3::noSuchKey(t.key);
    // Conditions first, as S3 checks them.
    const std::string ifMatch(request[http::field::if_match]);
    if (!ifMatch.empty() && ifMatch != "*" && unquote(ifMatch) != unquote(object->etag))
        throw error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
    const std::string ifNoneMatch(request[http::field::if_none_match]);
    if (!ifNoneMatch.empty() && (ifNoneMatch == "*" || unquote(ifNoneMatch) == unquote(object->etag))) {
        auto response = net::makeResponse(304, "", "application/xml");
        response.set(http::field::etag, object->etag);
        return response;
    }
    long long first = 0, last = object->size - 1;
    const auto kind = s3::parseRange(std::string(request[http::field::range]), object->size, first, last);
    if (kind == s3::RangeKind::Unsatisfiable) {
        s3::Error e = error(416, "InvalidRange", "The requested range is not satisfiable");
        e.details.emplace_back("ActualObjectSize", std::to_string(object->size));
        throw e;
    }
    const long long length = kind == s3::RangeKind::Part ? last - first + 1 : object->size;
    net::Response response{kind == s3::RangeKind::Part ? http::status::partial_content : http::status::ok, 11};
    applyMetadata(response, *object);
    if (kind == s3::RangeKind::Part)
        response.set(http::field::content_range, "bytes " + std::to_string(first) + "-" +
                                                     std::to_string(last) + "/" +
                                                     std::to_string(object->size));
    if (head) {
        response.content_length(length);
        return response;
    }
    response.body() = readFile(m_store.path(object->file), kind == s3::RangeKind::Part ? first : 0, length);
    return response;
}

net::Response StorageService::deleteObjects(const net::Request &request, const s3::Target &t,
                                            const std::string &body, const std::string &requestId) {
    const auto contentMd5 = request[http::field::content_md5];
    if (!contentMd5.empty() && std::string(contentMd5) != net::base64Encode(net::md5(body)))
        throw error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
    bool quiet = false;
    const auto keys = s3::keysToDelete(body, quiet);
    if (!keys)
        throw error(400, "MalformedXML",
                    "The XML you provided was not well-formed or did not validate against our "
                    "published schema");
    if (keys->size() > 1000)
        throw error(400, "MalformedXML", "A DeleteObjects request takes at most 1000 keys.");
    std::string xml = std::string("<DeleteResult xmlns=\"") + kNamespace + "\">";
    for (const auto &key : *keys) {
        if (m_store.deleteObject(t.bucket, key))
            notify("ObjectRemoved:Delete", t.bucket, key, 0, "", requestId);
        if (!quiet)
            xml += "<Deleted><Key>" + net::xmlEscape(key) + "</Key></Deleted>";
    }
    return s3::xmlResponse(xml + "</DeleteResult>", requestId);
}

net::Response StorageService::multipart(const net::Request &request, const s3::Target &t,
                                        const std::string &body, const std::string &requestId) {
    const auto method = request.method();
    if (method == http::verb::post && t.has("uploads")) {
        UploadRecord upload;
        upload.id = newUploadId();
        upload.bucket = t.bucket;
        upload.key = t.key;
        upload.contentType = std::string(request[http::field::content_type]);
        upload.metadata = metadataOf(request).dump();
        upload.createdMs = nowMs();
        m_store.putUpload(upload);
        return s3::xmlResponse(std::string("<InitiateMultipartUploadResult xmlns=\"") + kNamespace +
                                   "\"><Bucket>" + net::xmlEscape(t.bucket) + "</Bucket><Key>" +
                                   net::xmlEscape(t.key) + "</Key><UploadId>" + upload.id +
                                   "</UploadId></InitiateMultipartUploadResult>",
                               requestId);
    }
    const std::string id = t.param("uploadId");
    const auto upload = m_store.upload(id);
    if (!upload || upload->bucket != t.bucket || upload->key != t.key)
        throw s3::noSuchUpload(id);
    if (method == http::verb::put) {
        if (!request["x-amz-copy-source"].empty())
            throw s3::notImplemented("UploadPartCopy");
        const std::string numberText = t.param("partNumber");
        int number = 0;
        if (!numberText.empty() && numberText.size() <= 5 &&
            numberText.find_first_not_of("0123456789") == std::string::npos)
            number = std::stoi(numberText);
        if (number < 1 || number > 10000)
            throw s3::invalidArgument("Part number must be an integer between 1 and 10000, inclusive");
        const std::string md5 = net::md5(body);
        const auto contentMd5 = request[http::field::content_md5];
        if (!contentMd5.empty() && std::string(contentMd5) != net::base64Encode(md5))
            throw error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
        PartRecord part{number, m_store.writeFile(body), static_cast<long long>(body.size()),
                        "\"" + net::toHex(md5) + "\""};
        m_store.putPart(id, part);
        auto response = net::makeResponse(200, "", "application/xml");
        response.set(http::field::etag, part.etag);
        return response;
    }
    if (method == http::verb::delete_) {
        m_store.deleteUpload(id);
        return net::makeResponse(204, "", "application/xml");
    }
    if (method == http::verb::get) {
        std::string xml = std::string("<ListPartsResult xmlns=\"") + kNamespace + "\"><Bucket>" +
                          net::xmlEscape(t.bucket) + "</Bucket><Key>" + net::xmlEscape(t.key) +
                          "</Key><UploadId>" + id + "</UploadId><IsTruncated>false</IsTruncated>";
        for (const auto &p : m_store.parts(id))
            xml += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" +
                   net::xmlEscape(p.etag) + "</ETag><Size>" + std::to_string(p.size) + "</Size></Part>";
        return s3::xmlResponse(xml + "</ListPartsResult>", requestId);
    }
    if (method != http::verb::post)
        throw error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    // CompleteMultipartUpload: the parts listed, in ascending order, each as uploaded; every
    // part but the last at least 5 MB.
    const auto listed = s3::completedParts(body);
    if (!listed || listed->empty())
        throw error(400, "MalformedXML",
                    "The XML you provided was not well-formed or did not validate against our "
                    "published schema");
    const auto stored = m_store.parts(id);
    std::vector<std::string> files;
    std::string md5s;
    long long size = 0;
    int previous = 0;
    for (std::size_t i = 0; i < listed->size(); ++i) {
        const auto &[number, etag] = (*listed)[i];
        if (number <= previous)
            throw error(400, "InvalidPartOrder",
                        "The list of parts was not in ascending order. Parts must be ordered by "
                        "part number.");
        previous = number;
        const auto part =
            std::find_if(stored.begin(), stored.end(),
                         [&wanted = number](const PartRecord &p) { return p.number == wanted; });
        if (part == stored.end() || unquote(part->etag) != unquote(etag)) {
            s3::Error e = error(400, "InvalidPart",
                                "One or more of the specified parts could not be found. The part "
                                "may not have been uploaded, or the specified entity tag may not "
                                "match the part's entity tag.");
            e.details.emplace_back("PartNumber", std::to_string(number));
            throw e;
        }
        if (i + 1 < listed->size() && part->size < kMinPartSize) {
            s3::Error e = error(400, "EntityTooSmall",
                                "Your proposed upload is smaller than the minimum allowed object "
                                "size (every part but the last must be at least 5 MB).");
            e.details.emplace_back("PartNumber", std::to_string(number));
            throw e;
        }
        files.push_back(part->file);
        size += part->size;
        const auto raw = unquote(part->etag);
        for (std::size_t h = 0; h + 1 < raw.size(); h += 2)
            md5s.push_back(static_cast<char>(std::stoi(raw.substr(h, 2), nullptr, 16)));
    }
    ObjectRecord object;
    object.bucket = t.bucket;
    object.key = t.key;
    object.size = size;
    object.etag = "\"" + net::md5Hex(md5s) + "-" + std::to_string(listed->size()) + "\"";
    object.contentType = upload->contentType;
    object.metadata = upload->metadata;
    object.modifiedMs = nowMs();
    object.file = m_store.joinFiles(files);
    try {
        m_store.putObject(object);
    } catch (...) {
        m_store.removeFile(object.file);
        throw;
    }
    m_store.deleteUpload(id);
    notify("ObjectCreated:CompleteMultipartUpload", t.bucket, t.key, object.size, object.etag,
           requestId);
    const std::string host(request[http::field::host]);
    return s3::xmlResponse(std::string("<CompleteMultipartUploadResult xmlns=\"") + kNamespace +
                               "\"><Location>http://" + net::xmlEscape(host) + "/" +
                               net::xmlEscape(t.bucket) + "/" + net::xmlEscape(s3::urlEncode(t.key)) +
                               "</Location><Bucket>" + net::xmlEscape(t.bucket) + "</Bucket><Key>" +
                               net::xmlEscape(t.key) + "</Key><ETag>" + net::xmlEscape(object.etag) +
                               "</ETag></CompleteMultipartUploadResult>",
                           requestId);
}

} // namespace nimbus::sim
