#pragma once

#include "nimbus/sigv4/sigv4.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::lambdaclient {

// Credentials and region from where AWS tools look for them: AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then the profile (AWS_PROFILE, else
// `profile`, else "default") in AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials; the
// region from AWS_REGION / AWS_DEFAULT_REGION, then the profile in ~/.aws/config.
std::optional<sigv4::Credentials> awsCredentials(const std::string &profile, std::string &error);
std::optional<std::string> awsRegion(const std::string &profile);

// The profile names in the credentials and config files ("default" first), for a picker.
std::vector<std::string> awsProfiles();

// Reads one section of an INI file as AWS writes them ("[name]" or "[profile name]").
std::optional<std::map<std::string, std::string>> readIniSection(const std::string &path,
                                                                 const std::string &section);

} // namespace nimbus::lambdaclient
