#pragma once

// The reader of request bodies the shapes of nimbus_lambda share (not installed: an
// implementation detail of lambdatypes.cpp and layertypes.cpp).

#include "nimbus/lambda/apierror.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nimbus::lambda::detail {

using json = nlohmann::json;

inline const char *typeName(const nlohmann::json &value) {
    switch (value.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return "a boolean";
    case json::value_t::string:
        return "a string";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
        return "an integer";
    case json::value_t::number_float:
        return "a number";
    case json::value_t::array:
        return "an array";
    case json::value_t::object:
        return "an object";
    default:
        return "a value";
    }
}

// Reads the members of one request object, remembering the first problem: a member of the
// wrong type or one the operation does not know (Lambda's deserializer refuses both).
class FieldReader {
public:
    FieldReader(const json &body, std::string shape, std::string prefix = {})
        : m_body(body)
        , m_shape(std::move(shape))
        , m_prefix(std::move(prefix)) {
        if (!m_body.is_object())
            fail(m_prefix.empty()
                     ? std::string("the request body must be a JSON object")
                     : "'" + m_prefix + "' must be an object, not " + typeName(m_body));
    }

    std::optional<std::string> string(const char *name) {
        const json *v = take(name);
        if (!v)
            return std::nullopt;
        if (!v->is_string()) {
            wrongType(name, "a string", *v);
            return std::nullopt;
        }
        return v->get<std::string>();
    }
    std::optional<long long> integer(const char *name) {
        const json *v = take(name);
        if (!v)
            return std::nullopt;
        if (!v->is_number_integer()) {
            wrongType(name, "an integer", *v);
            return std::nullopt;
        }
        return v->get<long long>();
    }
    std::optional<bool> boolean(const char *name) {
        const json *v = take(name);
        if (!v)
            return std::nullopt;
        if (!v->is_boolean()) {
            wrongType(name, "a boolean", *v);
            return std::nullopt;
        }
        return v->get<bool>();
    }
    // A nested object; read its members with a FieldReader of its own.
    const json *object(const char *name) {
        const json *v = take(name);
        if (!v)
            return nullptr;
        if (!v->is_object()) {
            wrongType(name, "an object", *v);
            return nullptr;
        }
        return v;
    }
    std::optional<std::map<std::string, std::string>> stringMap(const char *name) {
        const json *v = object(name);
        if (!v)
            return std::nullopt;
        std::map<std::string, std::string> out;
        for (const auto &[key, value] : v->items()) {
            if (!value.is_string()) {
                wrongType((std::string(name) + "." + key).c_str(), "a string", value);
                return std::nullopt;
            }
            out[key] = value.get<std::string>();
        }
        return out;
    }
    std::optional<std::vector<std::string>> stringList(const char *name) {
        const json *v = take(name);
        if (!v)
            return std::nullopt;
        if (!v->is_array()) {
            wrongType(name, "an array", *v);
            return std::nullopt;
        }
        std::vector<std::string> out;
        for (std::size_t i = 0; i < v->size(); ++i) {
            if (!(*v)[i].is_string()) {
                wrongType((std::string(name) + "[" + std::to_string(i) + "]").c_str(), "a string",
                          (*v)[i]);
                return std::nullopt;
            }
            out.push_back((*v)[i].get<std::string>());
        }
        return out;
    }
    // A member the operation takes but we have no use for: accepted, whatever it holds.
    void ignore(const char *name) { m_read.insert(name); }
    std::string path(const char *name) const {
        return m_prefix.empty() ? name : m_prefix + "." + name;
    }
    void fail(const std::string &why) {
        if (!m_error)
            m_error = invalidRequestContent("Could not parse request body into json: " + why);
    }
    void adopt(std::optional<ApiError> error) {
        if (error && !m_error)
            m_error = std::move(error);
    }
    bool failed() const { return m_error.has_value(); }

    // The first problem, after checking that no member went unread.
    std::optional<ApiError> finish() {
        if (!m_error && m_body.is_object()) {
            for (const auto &[key, value] : m_body.items()) {
                if (!m_read.count(key)) {
                    fail("Unrecognized field \"" + (m_prefix.empty() ? key : m_prefix + "." + key) +
                         "\" (class com.amazonaws.lambda.model." + m_shape +
                         "), not marked as ignorable");
                    break;
                }
            }
        }
        return m_error;
    }

private:
    const json *take(const char *name) {
        m_read.insert(name);
        if (!m_body.is_object() || !m_body.contains(name) || m_body[name].is_null())
            return nullptr;
        return &m_body[name];
    }
    void wrongType(const char *name, const char *wanted, const json &got) {
        fail("field '" + path(name) + "' must be " + wanted + ", not " + typeName(got));
    }

    const json &m_body;
    std::string m_shape;
    std::string m_prefix;
    std::set<std::string> m_read;
    std::optional<ApiError> m_error;
};

} // namespace nimbus::lambda::detail
