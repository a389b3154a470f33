#pragma once

#include "testpaths.h"
#include "window/mainwindow.h"

#include <QFileInfo>
#include <memory>

// The Studio's window as the suites open it: the servers from the build, a size that shows
// every panel, shown (offscreen) and on `project` (nothing open when empty).
inline std::unique_ptr<nimbus::studio::MainWindow> openStudio(const QString &project) {
    nimbus::studio::StudioOptions options;
    options.binDir = QFileInfo(nimbusBinary("nimbus-lsp")).absolutePath();
    auto window = std::make_unique<nimbus::studio::MainWindow>(options);
    window->resize(1400, 900);
    window->show();
    if (!project.isEmpty() && !window->openProject(project))
        return nullptr;
    return window;
}
