#include "remote.h"

#include "diagnosticprinter.h"
#include "nimbus/lambdaclient/credentialsource.h"
#include "nimbus/manifest/manifestloader.h"
#include "simulator/invoker.h"
#include "simulator/statefile.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace fs = std::filesystem;

namespace nimbus::cli {

void RemoteOptions::addTo(CLI::App &command) {
    command.add_option("--project,-p", project, "Project folder (default: the current folder)");
    command.add_option("--endpoint", endpoint,
                       "Control plane URL (default: the simulator serving the project)");
    command.add_option("--stage", stage, "Stage for deployed names (default: the manifest's, dev)");
    command.add_option("--region", region, "Region to sign for (default: AWS_REGION, the "
                                            "profile's, or the manifest's)");
    command.add_option("--profile", profile, "AWS profile for credentials with --endpoint");
}

std::string Remote::deployedName(const std::string &name) const {
    if (manifest)
        if (const manifest::Function *fn = manifest->function(name))
            return fn->deployedName;
    return name;
}

std::string describe(const lambda::ApiError &error) {
    if (error.status == 0)
        return "cannot reach the control plane: " + error.message;
    return error.type + ": " + error.message;
}

std::optional<Remote> connect(const RemoteOptions &options, const char *command, Streams streams,
                              bool needManifest) {
    Remote remote;
    std::error_code ec;
    const std::string project = fs::weakly_canonical(options.project, ec).string();
    manifest::LoadOptions loadOptions;
    if (!options.stage.empty())
        loadOptions.options["stage"] = options.stage;
    // Another endpoint is the cloud: no local values (.nimbus/variables.yml) or placeholders
    // may reach it; the simulator serving the project gets what runs locally.
    loadOptions.forDeployment = !options.endpoint.empty();
    if (manifest::ManifestLoader::findManifestFile(project)) {
        manifest::LoadResult loaded = manifest::ManifestLoader(loadOptions).loadProject(project);
        // Commands that only read what the control plane holds (logs, metrics, traces,
        // failures...) go on with what loads: a function with a mistake must not hide the
        // others' records.
        if (!loaded.ok() && needManifest) {
            printDiagnostics(streams.err, loaded.diagnostics);
            streams.err << "nimbus " << command << ": fix the manifest first (nimbus validate "
                        << options.project << ")\n";
            return std::nullopt;
        }
        remote.manifest = std::move(loaded.manifest);
    } else if (needManifest) {
        streams.err << "nimbus " << command << ": no serverless.yml in " << project
                    << " (use --project DIR)\n";
        return std::nullopt;
    }

    const auto live = sim::StateFile::readLive(project);
    lambdaclient::Endpoint endpoint;
    if (live && (options.endpoint.empty() ||
                 options.endpoint == live->value("controlPlane", std::string()))) {
        endpoint = sim::runningSimulator(*live);
        remote.local = true;
    } else if (options.endpoint.empty()) {
        streams.err << "nimbus " << command << ": no simulator is serving " << project
                    << "; start one with 'nimbus dev " << options.project
                    << "' (or nimbus-sim), or give --endpoint URL\n";
        return std::nullopt;
    } else {
        std::string error;
        auto credentials = lambdaclient::awsCredentials(options.profile, error);
        if (!credentials) {
            streams.err << "nimbus " << command << ": " << error << '\n';
            return std::nullopt;
        }
        endpoint.url = options.endpoint;
        endpoint.credentials = *credentials;
        endpoint.region = lambdaclient::awsRegion(options.profile)
                              .value_or(remote.manifest ? remote.manifest->provider.region
                                                        : std::string("us-east-1"));
    }
    if (!options.region.empty())
        endpoint.region = options.region;
    if (endpoint.url.rfind("http://", 0) != 0 && endpoint.url.rfind("https://", 0) != 0) {
        streams.err << "nimbus " << command << ": --endpoint must be an http:// or https:// URL, "
                    << "not '" << endpoint.url << "'\n";
        return std::nullopt;
    }
    remote.client = std::make_unique<lambdaclient::LambdaClient>(endpoint);
    return remote;
}

// "10m", "2h", "30s", "1d" as milliseconds.
std::optional<long long> duration(const std::string &text) {
    if (text.empty())
        return std::nullopt;
    char *end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    const std::string unit = end;
    const long long factor = unit == "s" ? 1000 : unit == "m" || unit.empty() ? 60000
                             : unit == "h"                                    ? 3600000
                             : unit == "d"                                    ? 86400000
                                                                              : -1;
    if (factor < 0 || value < 0)
        return std::nullopt;
    return static_cast<long long>(value * static_cast<double>(factor));
}

std::string clockTime(long long ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::localtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%H:%M:%S", &tm);
    char out[40];
    std::snprintf(out, sizeof out, "%s.%03lld", text, ms % 1000);
    return out;
}

// The Unix time in ms `--since` reaches back to, or nothing (with the error printed).
std::optional<long long> sinceStart(const std::string &since, const char *command,
                                    Streams streams) {
    const auto back = duration(since);
    if (!back) {
        streams.err << "nimbus " << command
                    << ": --since wants a duration such as 30s, 10m, 2h or 1d, not '" << since
                    << "'\n";
        return std::nullopt;
    }
    const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    return now - *back;
}

} // namespace nimbus::cli
