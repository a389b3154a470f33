#pragma once

#include "database.h"

#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

struct BucketRecord {
    std::string name;
    std::string region;
    long long createdMs = 0;
};

// An object of the local S3: its bytes are a file of the store's folder, the rest is here.
struct ObjectRecord {
    std::string bucket;
    std::string key;
    std::string file; // name within the objects folder
    long long size = 0;
    std::string etag; // with its quotes, as S3 sends it
    std::string contentType;
    std::string metadata = "{}"; // x-amz-meta-* and stored headers (Cache-Control, ...)
    long long modifiedMs = 0;
};

struct UploadRecord {
    std::string id;
    std::string bucket;
    std::string key;
    std::string contentType;
    std::string metadata = "{}";
    long long createdMs = 0;
};

struct PartRecord {
    int number = 0;
    std::string file;
    long long size = 0;
    std::string etag;
};

// The local S3's buckets, objects and multipart uploads in SQLite, with the bytes in files
// beside the database: an object is written to its file first and recorded second, so a
// write that was answered survives kill -9, and a file without a record (a crash between
// the two) is removed at the next start. Methods throw StoreError.
class ObjectStore {
public:
    ObjectStore(Database &db, std::string folder);
    void migrate();
    const std::string &folder() const { return m_folder; }

    std::optional<BucketRecord> bucket(const std::string &name);
    std::vector<BucketRecord> buckets();
    void putBucket(const BucketRecord &bucket);
    void deleteBucket(const std::string &name);
    bool bucketEmpty(const std::string &name);
    struct Usage {
        long long objects = 0;
        long long bytes = 0;
    };
    Usage usage(const std::string &bucket);

    // Writes bytes to a new file of the folder; returns its name.
    std::string writeFile(std::string_view data);
    // A new file that is the parts' files one after another.
    std::string joinFiles(const std::vector<std::string> &files);
    std::string path(const std::string &file) const;
    void removeFile(const std::string &file);

    std::optional<ObjectRecord> object(const std::string &bucket, const std::string &key);
    // Records an object (replacing one of the same key, whose file goes).
    void putObject(const ObjectRecord &object);
    bool deleteObject(const std::string &bucket, const std::string &key);
    // Keys of a bucket in order: those after `after` that start with `prefix`, at most `limit`.
    std::vector<ObjectRecord> objects(const std::string &bucket, const std::string &prefix,
                                      const std::string &after, int limit);

    void putUpload(const UploadRecord &upload);
    std::optional<UploadRecord> upload(const std::string &id);
    std::vector<UploadRecord> uploads(const std::string &bucket);
    void putPart(const std::string &upload, const PartRecord &part); // replaces the same number
    std::vector<PartRecord> parts(const std::string &upload);
    void deleteUpload(const std::string &id); // and its parts' files

    // Removes files no record names (what a crash left). Returns how many.
    std::size_t sweep();

private:
    template <typename Fill> std::string newFile(Fill fill);

    Database &m_db;
    std::string m_folder;
};

} // namespace nimbus::sim
