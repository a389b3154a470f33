// nimbus-studio [PROJECT_DIR]: the desktop workbench.
#include "window/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QSocketNotifier>
#include <QTimer>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// SIGTERM and SIGINT close the window as File > Quit does (stopping the servers it
// started); the handler only writes a byte, the event loop does the rest.
int signalPipe[2] = {-1, -1};

void onSignal(int) {
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

} // namespace

int main(int argc, char **argv) {
    QElapsedTimer sinceStart;
    sinceStart.start();
    const bool platformChosen = qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
    if (!platformChosen && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        std::fprintf(stderr, "nimbus-studio: no display to open a window on (DISPLAY is not set); "
                             "run `nimbus dev PROJECT` to serve a project from a terminal\n");
        return 1;
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Nimbus");
    QApplication::setApplicationName("nimbus-studio");
    QApplication::setApplicationDisplayName("Nimbus Studio");
    QApplication::setApplicationVersion(NIMBUS_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription("Nimbus Studio: edit, run and watch serverless functions");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("project",
                                 "The project folder to open (default: the welcome page)");
    QCommandLineOption noSimulator("no-simulator",
                                   "Do not start or attach to the project's simulator");
    parser.addOption(noSimulator);
    parser.process(app);

    nimbus::studio::StudioOptions options;
    options.binDir = QCoreApplication::applicationDirPath();
    options.startSimulator = !parser.isSet(noSimulator);
    nimbus::studio::MainWindow window(options);
    // For the start-up benchmark: when the functions are first listed.
    if (qEnvironmentVariableIsSet("NIMBUS_STUDIO_TRACE")) {
        QObject::connect(&window, &nimbus::studio::MainWindow::functionsListed, &window,
                         [&sinceStart] {
                             static bool once = false;
                             if (once)
                                 return;
                             once = true;
                             std::fprintf(stderr, "nimbus-studio: functions listed after %lld ms\n",
                                          static_cast<long long>(sinceStart.elapsed()));
                             std::fflush(stderr);
                         });
    }
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, signalPipe) == 0) {
        auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &window, [&window] {
            char byte;
            [[maybe_unused]] const auto got = ::read(signalPipe[0], &byte, 1);
            window.closeKeepingRecovery();
            QCoreApplication::quit();
        });
        std::signal(SIGTERM, onSignal);
        std::signal(SIGINT, onSignal);
    }
    const QStringList args = parser.positionalArguments();
    if (!args.isEmpty()) {
        if (!QDir(args.first()).exists()) {
            std::fprintf(stderr, "nimbus-studio: %s: no such folder\n", qPrintable(args.first()));
            return 1;
        }
        window.openProject(args.first());
    } else {
        window.showWelcome();
    }
    window.show();
    return app.exec();
}
