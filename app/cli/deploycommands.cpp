// nimbus package and nimbus deploy: the project's deployment zips, and every event function
// created or updated on a control plane.
#include "cli.h"
#include "dependencies/packagedependencies.h"
#include "diagnosticprinter.h"
#include "nimbus/deploy/deployer.h"
#include "nimbus/deploy/scfdeployer.h"
#include "nimbus/git/gitrepository.h"
#include "nimbus/manifest/manifestloader.h"
#include "remote.h"
#include "simulator/invoker.h"
#include "simulator/statefile.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>

namespace fs = std::filesystem;

namespace nimbus::cli {

namespace {

// What installs a plan's packages, telling `progress` as it goes.
deploy::DependencyStep installingDependencies(std::ostream &progress) {
    return sim::packageDependencies([&progress](const std::string &line) {
        progress << line << '\n' << std::flush;
    });
}

struct PackageOptions {
    std::string project = ".";
    std::string stage;
    std::string out; // default PROJECT/.nimbus/package
};

int package(const PackageOptions &options, Streams streams) {
    manifest::LoadOptions loadOptions;
    if (!options.stage.empty())
        loadOptions.options["stage"] = options.stage;
    const auto loaded = manifest::ManifestLoader(loadOptions).loadProject(options.project);
    if (!loaded.ok()) {
        printDiagnostics(streams.err, loaded.diagnostics);
        streams.err << "nimbus package: fix the manifest first\n";
        return 1;
    }
    const auto &m = *loaded.manifest;
    const fs::path out = options.out.empty() ? fs::path(m.projectDir) / ".nimbus" / "package"
                                             : fs::path(options.out);
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) {
        streams.err << "nimbus package: cannot create " << out.string() << ": " << ec.message()
                    << '\n';
        return 1;
    }
    std::vector<std::string> skipped;
    const auto plans = deploy::planPackages(m, &skipped);
    if (plans.empty()) {
        streams.err << "nimbus package: '" << m.service << "' has no event functions to package\n";
        return 1;
    }
    const deploy::DependencyStep dependencies = installingDependencies(streams.out);
    for (auto plan : plans) {
        packaging::Package built;
        std::string error;
        if (!dependencies(m, plan, error) || !deploy::buildPlannedPackage(m, plan, built, error)) {
            streams.err << "nimbus package: " << plan.name << ": " << error << '\n';
            return 1;
        }
        const fs::path file = out / plan.name;
        std::ofstream zip(file, std::ios::binary | std::ios::trunc);
        zip.write(built.zip.data(), static_cast<std::streamsize>(built.zip.size()));
        if (!zip) {
            streams.err << "nimbus package: cannot write " << file.string() << '\n';
            return 1;
        }
        std::string functions;
        for (const auto &f : plan.functions)
            functions += (functions.empty() ? "" : ", ") + f;
        streams.out << file.string() << "  " << packaging::packageSummary(built) << ", sha256 "
                    << built.sha256Hex.substr(0, 12) << "  (" << functions << ")\n";
    }
    // The service's layers, each a package of its own (layer-<name>.zip).
    for (const auto &layer : m.layers) {
        packaging::Package built;
        std::string error;
        if (!deploy::buildLayerPackage(m, layer, built, error)) {
            streams.err << "nimbus package: " << error << '\n';
            return 1;
        }
        const fs::path file = out / ("layer-" + layer.name + ".zip");
        std::ofstream zip(file, std::ios::binary | std::ios::trunc);
        zip.write(built.zip.data(), static_cast<std::streamsize>(built.zip.size()));
        if (!zip) {
            streams.err << "nimbus package: cannot write " << file.string() << '\n';
            return 1;
        }
        streams.out << file.string() << "  " << packaging::packageSummary(built) << ", sha256 "
                    << built.sha256Hex.substr(0, 12) << "  (layer " << layer.deployedName << ")\n";
    }
    for (const auto &name : skipped)
        streams.out << "skipped " << name << ": http functions and services are not packaged for "
                    << "the Lambda API\n";
    return 0;
}

// A Tencent project (SCF component, plugin or scfcli format) goes through SCF's API 3.0: to
// the simulator serving the project (its credentials), or to --endpoint (such as
// https://scf.tencentcloudapi.com) with TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY.
int deployTencentProject(const RemoteOptions &options, const manifest::Manifest &m,
                         Streams streams) {
    const std::string project = m.projectDir;
    scfclient::Endpoint endpoint;
    const auto live = sim::StateFile::readLive(project);
    bool local = false;
    if (live && (options.endpoint.empty() ||
                 options.endpoint == live->value("controlPlane", std::string()))) {
        const auto simulator = sim::runningSimulator(*live);
        endpoint.url = simulator.url;
        endpoint.credentials = {
            simulator.credentials.accessKeyId, simulator.credentials.secretAccessKey, {}};
        local = true;
    } else if (options.endpoint.empty()) {
        streams.err << "nimbus deploy: no simulator is serving " << project
                    << "; start one with 'nimbus dev " << options.project
                    << "', or give --endpoint URL (https://scf.tencentcloudapi.com for Tencent "
                       "Cloud)\n";
        return 1;
    } else {
        std::string error;
        auto credentials = scfclient::tencentCredentials(error);
        if (!credentials) {
            streams.err << "nimbus deploy: " << error << '\n';
            return 1;
        }
        endpoint.url = options.endpoint;
        endpoint.credentials = *credentials;
    }
    endpoint.region = !options.region.empty() ? options.region : m.provider.region;
    streams.out << "nimbus deploy: '" << m.service << "' (" << manifest::dialectName(m.dialect)
                << ", region " << endpoint.region << ") to " << endpoint.url
                << (local ? " (the project's simulator, SCF API)" : " (SCF API)") << "\n";
    scfclient::ScfClient client(endpoint);
    int failures = 0;
    deploy::ScfDeployer deployer(client, [&](const deploy::DeployStep &step) {
        using Kind = deploy::DeployStep::Kind;
        if (step.kind == Kind::Packaged) {
            streams.out << "  packaged   " << step.deployedName << "  " << step.detail << "\n";
            return;
        }
        const char *verb = step.kind == Kind::Created   ? "created  "
                           : step.kind == Kind::Updated ? "updated  "
                                                        : "FAILED   ";
        if (step.kind == Kind::Failed)
            ++failures;
        (step.kind == Kind::Failed ? streams.err : streams.out)
            << "  " << verb << "  " << std::left << std::setw(16) << step.function << " "
            << step.deployedName << "  " << step.detail << "\n";
        streams.out << std::flush;
    });
    deployer.setDependencies(installingDependencies(streams.out));
    if (!deployer.deploy(m) || failures) {
        streams.err << "nimbus deploy: " << failures << " step(s) failed\n";
        return 1;
    }
    streams.out << "nimbus deploy: done.\n";
    return 0;
}

int deployProject(const RemoteOptions &options, Streams streams) {
    {
        // Which API the project speaks: its manifest's format says.
        manifest::LoadOptions loadOptions;
        if (!options.stage.empty())
            loadOptions.options["stage"] = options.stage;
        loadOptions.forDeployment = !options.endpoint.empty();
        std::error_code ec;
        const std::string project = fs::weakly_canonical(options.project, ec).string();
        if (manifest::ManifestLoader::findManifestFile(project)) {
            const auto loaded = manifest::ManifestLoader(loadOptions).loadProject(project);
            if (loaded.ok() && manifest::isScf(loaded.manifest->dialect))
                return deployTencentProject(options, *loaded.manifest, streams);
        }
    }
    auto remote = connect(options, "deploy", streams, true);
    if (!remote)
        return 1;
    const auto &m = *remote->manifest;
    deploy::Provenance provenance;
    std::string gitError;
    if (auto tree = git::describeTree(m.projectDir, gitError)) {
        provenance.commit = tree->shortCommit;
        provenance.branch = tree->branch;
        provenance.dirty = tree->dirty;
    }
    streams.out << "nimbus deploy: '" << m.service << "' (stage " << m.provider.stage << ") to "
                << remote->client->endpoint().url
                << (remote->local ? " (the project's simulator)" : "") << "\n";
    int failures = 0;
    deploy::Deployer deployer(
        *remote->client, [&](const deploy::DeployStep &step) {
        using Kind = deploy::DeployStep::Kind;
        const char *verb = "";
        switch (step.kind) {
        case Kind::Packaged:
            streams.out << "  packaged   " << step.deployedName << "  " << step.detail << "\n";
            return;
        case Kind::Provenance:
            streams.out << "  source     " << step.detail << "\n";
            return;
        case Kind::Layer:
            streams.out << "  layer      " << step.deployedName << "  " << step.detail << "\n";
            return;
        case Kind::Created:
            verb = "created  ";
            break;
        case Kind::Updated:
            verb = "updated  ";
            break;
        case Kind::Unchanged:
            verb = "unchanged";
            break;
        case Kind::Skipped:
            verb = "skipped  ";
            break;
        case Kind::Failed:
            verb = "FAILED   ";
            ++failures;
            break;
        }
        (step.kind == Kind::Failed ? streams.err : streams.out)
            << "  " << verb << "  " << std::left << std::setw(16) << step.function << " "
            << step.deployedName << "  " << step.detail << "\n";
        streams.out << std::flush;
    }, remote->local);
    deployer.setDependencies(installingDependencies(streams.out));
    const bool ok = deployer.deploy(m, provenance);
    if (!ok || failures) {
        streams.err << "nimbus deploy: " << failures << " step(s) failed\n";
        return 1;
    }
    streams.out << "nimbus deploy: done. Publish a version with 'nimbus publish FUNCTION'.\n";
    return 0;
}

} // namespace

void addPackageCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<PackageOptions>();
    CLI::App *command = app.add_subcommand(
        "package", "Build the deployment zips (package.patterns honoured) into .nimbus/package");
    command->add_option("--project,-p", options->project, "Project folder (default: .)");
    command->add_option("--stage", options->stage, "Stage for ${opt:stage}");
    command->add_option("--out", options->out, "Folder for the zips");
    command->callback([options, streams, &exitCode] { exitCode = package(*options, streams); });
}

void addDeployCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<RemoteOptions>();
    CLI::App *command = app.add_subcommand(
        "deploy", "Create or update every event function as <service>-<stage>-<function>");
    options->addTo(*command);
    command->callback([options, streams, &exitCode] { exitCode = deployProject(*options, streams); });
}

} // namespace nimbus::cli
