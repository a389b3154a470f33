#include "simulatorpanel.h"

#include "clients/simulatorconnection.h"
#include "models/instancesmodel.h"
#include "section.h"

#include <QDesktopServices>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace nimbus::studio {

namespace {

QTableView *table(QAbstractItemModel *model, const QString &name, QWidget *parent) {
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setAccessibleName(name);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setShowGrid(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    return view;
}

} // namespace

SimulatorPanel::SimulatorPanel(SimulatorConnection *simulator, InstancesModel *instances,
                               RoutesModel *routes, TriggersModel *triggers, QWidget *parent)
    : QWidget(parent)
    , m_simulator(simulator) {
    setAccessibleName(tr("Simulator"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 0);
    auto *bar = new QHBoxLayout();
    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_status->setOpenExternalLinks(true);
    m_status->setWordWrap(true);
    m_restart = new QPushButton(tr("Restart Simulator"), this);
    m_restart->setAccessibleName(tr("Restart Simulator"));
    bar->addWidget(m_status, 1);
    bar->addWidget(m_restart);
    layout->addLayout(bar);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName("simulatorSplitter");
    m_instances = table(instances, tr("Instances"), this);
    splitter->addWidget(titledSection(tr("Instances"), m_instances, splitter, 0));
    m_routes = table(routes, tr("Routes"), this);
    splitter->addWidget(titledSection(tr("Routes"), m_routes, splitter, 0));
    m_triggers = table(triggers, tr("Triggers"), this);
    splitter->addWidget(titledSection(tr("Triggers"), m_triggers, splitter, 0));
    layout->addWidget(splitter, 1);

    connect(m_restart, &QPushButton::clicked, simulator, &SimulatorConnection::restart);
    connect(simulator, &SimulatorConnection::stateChanged, this, &SimulatorPanel::updateStatus);
    connect(m_routes, &QTableView::clicked, this, [](const QModelIndex &index) {
        if (index.column() == RoutesModel::UrlColumn)
            QDesktopServices::openUrl(QUrl(index.data().toString()));
    });
    connect(m_routes, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        emit requestRoute(index.siblingAtColumn(RoutesModel::MethodColumn).data().toString(),
                          index.siblingAtColumn(RoutesModel::PathColumn).data().toString());
    });
    updateStatus();
}

void SimulatorPanel::updateStatus() {
    using State = SimulatorConnection::State;
    switch (m_simulator->state()) {
    case State::Running: {
        const QString gateway = m_simulator->gatewayUrl().toString();
        m_status->setText(tr("Running%1 — gateway <a href=\"%2\">%2</a>, control plane %3")
                              .arg(m_simulator->ownsProcess() ? QString() : tr(" (attached)"),
                                   gateway, m_simulator->controlPlaneUrl().toString()));
        break;
    }
    case State::Starting:
        m_status->setText(tr("Starting…"));
        break;
    case State::Stopped:
        m_status->setText(tr("Stopped"));
        break;
    case State::Failed:
        m_status->setText(tr("Not running: %1")
                              .arg(m_simulator->failure().toHtmlEscaped().replace('\n', "<br>")));
        break;
    }
}

} // namespace nimbus::studio
