#include "explorerpanel.h"

#include "models/functionsmodel.h"
#include "section.h"

#include <QFileSystemModel>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QSplitter>
#include <QTreeView>
#include <QVBoxLayout>

namespace nimbus::studio {

ExplorerPanel::ExplorerPanel(FunctionsModel *functions, const QString &projectDir, QWidget *parent)
    : QWidget(parent)
    , m_model(functions) {
    setAccessibleName(tr("Explorer"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName("explorerSplitter");
    layout->addWidget(splitter);

    m_functions = new QTreeView(this);
    m_functions->setModel(functions);
    m_functions->setAccessibleName(tr("Functions"));
    m_functions->setHeaderHidden(false);
    m_functions->setUniformRowHeights(true);
    m_functions->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_functions->setContextMenuPolicy(Qt::CustomContextMenu);
    m_functions->setExpandsOnDoubleClick(false);
    m_functions->header()->setStretchLastSection(false);
    m_functions->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_functions->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    splitter->addWidget(titledSection(tr("Functions"), m_functions, splitter));
    connect(functions, &FunctionsModel::functionsChanged, this, [this] {
        // (The model's columns were made anew: so are the header's sections.)
        m_functions->header()->setSectionResizeMode(0, QHeaderView::Stretch);
        m_functions->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
        // Groups open, functions closed: the list reads at a glance. A function's details
        // (handler, events, packages, layers) take the whole width.
        for (int g = 0; g < m_model->rowCount(); ++g) {
            const QModelIndex group = m_model->index(g, 0);
            m_functions->setFirstColumnSpanned(g, {}, true);
            m_functions->expand(group);
            for (int f = 0; f < m_model->rowCount(group); ++f) {
                const QModelIndex function = m_model->index(f, 0, group);
                for (int d = 0; d < m_model->rowCount(function); ++d)
                    m_functions->setFirstColumnSpanned(d, function, true);
            }
        }
    });
    connect(m_functions, &QTreeView::doubleClicked, this, [this](const QModelIndex &index) {
        const QString name =
            index.siblingAtColumn(0).data(FunctionsModel::FunctionNameRole).toString();
        if (!name.isEmpty())
            emit openHandler(name);
        else
            m_functions->setExpanded(index, !m_functions->isExpanded(index));
    });
    connect(m_functions, &QTreeView::customContextMenuRequested, this,
            &ExplorerPanel::showFunctionMenu);

    m_fileModel = new QFileSystemModel(this);
    m_fileModel->setRootPath(projectDir);
    m_fileModel->setFilter(QDir::AllEntries | QDir::NoDotAndDotDot);
    m_files = new QTreeView(this);
    m_files->setModel(m_fileModel);
    m_files->setRootIndex(m_fileModel->index(projectDir));
    m_files->setAccessibleName(tr("Files"));
    m_files->setHeaderHidden(true);
    for (int c = 1; c < m_fileModel->columnCount(); ++c)
        m_files->hideColumn(c);
    splitter->addWidget(titledSection(tr("Files"), m_files, splitter));
    connect(m_files, &QTreeView::activated, this, [this](const QModelIndex &index) {
        if (!m_fileModel->isDir(index))
            emit openFile(m_fileModel->filePath(index));
    });
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
}

QString ExplorerPanel::selectedFunction() const {
    // The selected row first: an accessibility client selects without moving the current
    // index.
    const QModelIndexList selected = m_functions->selectionModel()->selectedRows();
    const QModelIndex index = selected.isEmpty() ? m_functions->currentIndex() : selected.first();
    return index.siblingAtColumn(0).data(FunctionsModel::FunctionNameRole).toString();
}

void ExplorerPanel::selectFunction(const QString &name) {
    const QModelIndex index = m_model->indexOf(name);
    if (index.isValid())
        m_functions->setCurrentIndex(index);
}

void ExplorerPanel::showFunctionMenu(const QPoint &pos) {
    const QModelIndex index = m_functions->indexAt(pos).siblingAtColumn(0);
    const QString name = index.data(FunctionsModel::FunctionNameRole).toString();
    if (name.isEmpty())
        return;
    const QString kind = index.data(FunctionsModel::KindRole).toString();
    QMenu menu(this);
    menu.setAccessibleName(tr("Function actions"));
    if (kind == "event") {
        QAction *invoke = menu.addAction(tr("Invoke"));
        connect(invoke, &QAction::triggered, this, [this, name] { emit invokeFunction(name); });
    } else {
        QAction *request = menu.addAction(tr("Send Request"));
        connect(request, &QAction::triggered, this, [this, name] { emit requestFunction(name); });
    }
    if (kind != "service") {
        QAction *debug = menu.addAction(kind == "event" ? tr("Debug") : tr("Debug Requests"));
        connect(debug, &QAction::triggered, this, [this, name] { emit debugFunction(name); });
    }
    QAction *handler = menu.addAction(tr("Open Handler"));
    handler->setEnabled(kind != "service");
    connect(handler, &QAction::triggered, this, [this, name] { emit openHandler(name); });
    QAction *reveal = menu.addAction(tr("Reveal in Manifest"));
    connect(reveal, &QAction::triggered, this, [this, name] { emit revealInManifest(name); });
    menu.exec(m_functions->viewport()->mapToGlobal(pos));
}

} // namespace nimbus::studio
