#include "nimbus/lambdaclient/credentialsource.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

namespace nimbus::lambdaclient {

namespace {

std::string environment(const char *name) {
    const char *value = std::getenv(name);
    return value ? value : "";
}

std::string trim(std::string s) {
    const auto begin = s.find_first_not_of(" \t\r");
    const auto end = s.find_last_not_of(" \t\r");
    return begin == std::string::npos ? std::string() : s.substr(begin, end - begin + 1);
}

std::string chosenProfile(const std::string &profile) {
    if (!environment("AWS_PROFILE").empty())
        return environment("AWS_PROFILE");
    return profile.empty() ? "default" : profile;
}

std::string homeFile(const char *override, const char *relative) {
    if (!environment(override).empty())
        return environment(override);
    const std::string home = environment("HOME");
    return home.empty() ? std::string() : home + "/" + relative;
}

} // namespace

std::optional<std::map<std::string, std::string>> readIniSection(const std::string &path,
                                                                 const std::string &section) {
    std::ifstream in(path);
    if (!in)
        return std::nullopt;
    std::map<std::string, std::string> values;
    bool inside = false, found = false;
    for (std::string line; std::getline(in, line);) {
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';')
            continue;
        if (line.front() == '[' && line.back() == ']') {
            std::string name = trim(line.substr(1, line.size() - 2));
            if (name.rfind("profile ", 0) == 0)
                name = trim(name.substr(8));
            inside = name == section;
            found |= inside;
            continue;
        }
        const auto eq = line.find('=');
        if (inside && eq != std::string::npos)
            values[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
    }
    if (!found)
        return std::nullopt;
    return values;
}

std::vector<std::string> awsProfiles() {
    std::set<std::string> names;
    for (const std::string &path : {homeFile("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
                                    homeFile("AWS_CONFIG_FILE", ".aws/config")}) {
        std::ifstream in(path);
        for (std::string line; in && std::getline(in, line);) {
            line = trim(line);
            if (line.size() < 2 || line.front() != '[' || line.back() != ']')
                continue;
            std::string name = trim(line.substr(1, line.size() - 2));
            if (name.rfind("profile ", 0) == 0)
                name = trim(name.substr(8));
            else if (name.rfind("sso-session ", 0) == 0 || name.rfind("services ", 0) == 0)
                continue;
            if (!name.empty())
                names.insert(name);
        }
    }
    std::vector<std::string> out;
    if (names.erase("default"))
        out.push_back("default");
    out.insert(out.end(), names.begin(), names.end());
    return out;
}

std::optional<sigv4::Credentials> awsCredentials(const std::string &profile, std::string &error) {
    if (!environment("AWS_ACCESS_KEY_ID").empty() && !environment("AWS_SECRET_ACCESS_KEY").empty())
        return sigv4::Credentials{environment("AWS_ACCESS_KEY_ID"),
                                  environment("AWS_SECRET_ACCESS_KEY"),
                                  environment("AWS_SESSION_TOKEN")};
    const std::string name = chosenProfile(profile);
    const std::string file = homeFile("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    if (auto section = readIniSection(file, name)) {
        if ((*section)["aws_access_key_id"].empty() || (*section)["aws_secret_access_key"].empty()) {
            error = "profile '" + name + "' in " + file +
                    " lacks aws_access_key_id or aws_secret_access_key";
            return std::nullopt;
        }
        return sigv4::Credentials{(*section)["aws_access_key_id"],
                                  (*section)["aws_secret_access_key"],
                                  (*section)["aws_session_token"]};
    }
    error = "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile '" +
            name + "' to " + (file.empty() ? std::string("~/.aws/credentials") : file);
    return std::nullopt;
}

std::optional<std::string> awsRegion(const std::string &profile) {
    for (const char *name : {"AWS_REGION", "AWS_DEFAULT_REGION"})
        if (!environment(name).empty())
            return environment(name);
    if (auto section = readIniSection(homeFile("AWS_CONFIG_FILE", ".aws/config"),
                                      chosenProfile(profile));
        section && !(*section)["region"].empty())
        return (*section)["region"];
    return std::nullopt;
}

} // namespace nimbus::lambdaclient
