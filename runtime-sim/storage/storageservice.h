#pragma once

#include "../store/objectstore.h"
#include "s3protocol.h"
#include "nimbus/net/httpserver.h"

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace nimbus::sim {

// The local S3 (path-style REST): buckets, objects with their metadata, ranges and ETags as
// S3 computes them (MD5, and MD5-of-MD5s-N for multipart uploads), copies, batch deletes and
// multipart uploads, kept in the control plane's store and the objects folder beside it.
// Every change to an object is reported as S3 would notify it (ObjectCreated:Put, ...).
class StorageService {
public:
    struct Event {
        std::string name; // ObjectCreated:Put, ObjectCreated:Copy,
                          // ObjectCreated:CompleteMultipartUpload, ObjectRemoved:Delete
        std::string bucket;
        std::string key;
        long long size = 0;
        std::string etag; // without quotes
        std::string requestId;
        std::string sequencer;
    };
    using Notify = std::function<void(const Event &event)>;

    StorageService(Database &db, std::string folder, std::string region, Notify notify);
    void migrate(); // throws StoreError
    std::size_t sweep();

    // One S3 request: `body` is the request's payload (aws-chunked framing removed).
    net::Response handle(const net::Request &request, const std::string &body,
                         const std::string &requestId);

    // A bucket a manifest names exists (created when missing). Throws s3::Error/StoreError.
    void ensureBucket(const std::string &name);
    bool bucketExists(const std::string &name);
    nlohmann::json describe();

private:
    net::Response route(const net::Request &request, const s3::Target &target,
                        const std::string &body, const std::string &requestId);
    net::Response listBuckets(const std::string &requestId);
    net::Response listObjects(const s3::Target &target, const std::string &requestId);
    net::Response putObject(const net::Request &request, const s3::Target &target,
                            const std::string &body, const std::string &requestId);
    net::Response copyObject(const net::Request &request, const s3::Target &target,
                             const std::string &requestId);
    net::Response getObject(const net::Request &request, const s3::Target &target, bool head);
    net::Response deleteObjects(const net::Request &request, const s3::Target &target,
                                const std::string &body, const std::string &requestId);
    net::Response multipart(const net::Request &request, const s3::Target &target,
                            const std::string &body, const std::string &requestId);
    void requireBucket(const std::string &name);
    void notify(std::string name, const std::string &bucket, const std::string &key,
                long long size, const std::string &etag, const std::string &requestId);

    ObjectStore m_store;
    std::string m_region;
    Notify m_notify;
    long long m_sequence = 0;
};

} // namespace nimbus::sim
