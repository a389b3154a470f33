#include "cli.h"
#include "nimbus/manifest/suggest.h"
#include "nimbus/resources/resourcelocator.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::cli {

namespace {

struct InitOptions {
    std::string directory;
    std::string templateName = "python-event";
    std::string serviceName;
    bool list = false;
};

std::vector<std::string> availableTemplates() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(resources::resourcePath("templates"), ec)) {
        if (entry.is_directory())
            names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

// A service name the schema accepts, made from the folder name: "My App_2" -> "my-app-2".
std::string serviceNameFor(const fs::path &directory) {
    std::string base = fs::absolute(directory).lexically_normal().filename().string();
    if (base.empty())
        base = fs::absolute(directory).lexically_normal().parent_path().filename().string();
    std::string name;
    for (char c : base) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else if (!name.empty() && name.back() != '-')
            name += '-';
    }
    while (!name.empty() && name.back() == '-')
        name.pop_back();
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name.front())))
        name = "service-" + name;
    return name;
}

std::string templateSummary(const std::string &name) {
    std::ifstream in(resources::resourcePath("templates/" + name + "/README.md"));
    std::string title;
    std::getline(in, title);
    if (title.rfind("# ", 0) == 0)
        title = title.substr(2);
    return title;
}

int init(const InitOptions &options, Streams streams) {
    const auto templates = availableTemplates();
    if (options.list) {
        for (const auto &name : templates)
            streams.out << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ')
                        << templateSummary(name) << '\n';
        return 0;
    }
    if (options.directory.empty()) {
        streams.err
            << "nimbus init: give the folder to create, e.g. 'nimbus init my-app --template "
               "python-event'\n";
        return 2;
    }
    if (std::find(templates.begin(), templates.end(), options.templateName) == templates.end()) {
        streams.err << "nimbus init: unknown template '" << options.templateName << "'";
        if (auto guess = manifest::closestMatch(options.templateName, templates))
            streams.err << "; did you mean '" << *guess << "'?";
        streams.err << "\navailable templates:";
        for (const auto &name : templates)
            streams.err << ' ' << name;
        streams.err << '\n';
        return 2;
    }

    const fs::path target(options.directory);
    std::error_code ec;
    if (fs::exists(target, ec)) {
        if (!fs::is_directory(target, ec)) {
            streams.err << "nimbus init: " << options.directory << ": exists and is not a folder\n";
            return 1;
        }
        if (!fs::is_empty(target, ec)) {
            streams.err << "nimbus init: " << options.directory
                        << ": folder is not empty; nothing was written (choose a new folder)\n";
            return 1;
        }
    }
    const std::string service =
        options.serviceName.empty() ? serviceNameFor(target) : options.serviceName;
    if (!std::regex_match(service, std::regex("^[a-zA-Z][a-zA-Z0-9-]*$"))) {
        streams.err << "nimbus init: service name '" << service
                    << "' must start with a letter and hold only letters, digits and '-'\n";
        return 2;
    }

    const fs::path source = resources::resourcePath("templates/" + options.templateName);
    fs::create_directories(target, ec);
    if (ec) {
        streams.err << "nimbus init: " << options.directory << ": cannot create: " << ec.message()
                    << '\n';
        return 1;
    }
    fs::copy(source, target, fs::copy_options::recursive, ec);
    if (ec) {
        streams.err << "nimbus init: cannot copy template into " << options.directory << ": "
                    << ec.message() << '\n';
        return 1;
    }

    // The template's manifest is a working project under its own name; give it the new one
    // (service: in the Serverless Framework's format, name: in Serverless Components').
    const fs::path manifestPath = target / "serverless.yml";
    std::ifstream in(manifestPath);
    std::stringstream text;
    text << in.rdbuf();
    in.close();
    const std::string renamed =
        std::regex_replace(text.str(), std::regex("^(service|name):.*$", std::regex::multiline),
                           "$1: " + service, std::regex_constants::format_first_only);
    std::ofstream(manifestPath, std::ios::trunc) << renamed;

    streams.out << "Created " << options.directory << " from template '" << options.templateName
                << "' (service '" << service << "').\n"
                << "Next:\n"
                << "  nimbus validate " << options.directory << '\n';
    return 0;
}

} // namespace

void addInitCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<InitOptions>();
    CLI::App *cmd = app.add_subcommand("init", "Create a new project from a template");
    cmd->add_option("directory", options->directory, "Folder to create (must be new or empty)");
    cmd->add_option("-t,--template", options->templateName,
                    "Template: python-event, python-http, python-service, node-event, node-http, "
                    "node-service, scf-python-event, scf-node-event, scf-web (default "
                    "python-event)");
    cmd->add_option("--name", options->serviceName, "Service name (default: from the folder name)");
    cmd->add_flag("--list", options->list, "List the templates and exit");
    cmd->callback([options, streams, &exitCode] { exitCode = init(*options, streams); });
}

} // namespace nimbus::cli
