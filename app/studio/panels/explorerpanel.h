#pragma once

#include <QWidget>

class QTreeView;
class QFileSystemModel;

namespace nimbus::studio {

class FunctionsModel;

// The Explorer: the project's functions grouped by kind, with their runtime and events
// (double-click opens the handler at its definition; the context menu invokes, opens the
// handler, reveals the function in the manifest or sends it a request), and the project's
// files below.
class ExplorerPanel : public QWidget {
    Q_OBJECT
public:
    ExplorerPanel(FunctionsModel *functions, const QString &projectDir, QWidget *parent = nullptr);

    QTreeView *functionsView() const { return m_functions; }
    QTreeView *filesView() const { return m_files; }
    QString selectedFunction() const;
    void selectFunction(const QString &name);

signals:
    void openHandler(const QString &function);
    void revealInManifest(const QString &function);
    void invokeFunction(const QString &function);
    void requestFunction(const QString &function);
    void debugFunction(const QString &function);
    void openFile(const QString &path);

private:
    void showFunctionMenu(const QPoint &pos);

    FunctionsModel *m_model;
    QTreeView *m_functions;
    QTreeView *m_files;
    QFileSystemModel *m_fileModel;
};

} // namespace nimbus::studio
