#include "failurespanel.h"

#include "clients/simulatorconnection.h"
#include "models/functionsmodel.h"
#include "filterbar.h"
#include "panelstate.h"
#include "section.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTime>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace nimbus::studio {

namespace {

constexpr int kRefreshMs = 4000;
constexpr int kFailureLimit = 100;
constexpr int kPathRole = Qt::UserRole + 1;
constexpr int kLineRole = Qt::UserRole + 2;
const QColor kErrorColor(0xc6, 0x28, 0x28);

QPlainTextEdit *readOnlyText(const QString &name, const QString &accessibleName) {
    auto *text = new QPlainTextEdit();
    text->setObjectName(name);
    text->setAccessibleName(accessibleName);
    text->setReadOnly(true);
    text->setLineWrapMode(QPlainTextEdit::NoWrap);
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return text;
}

QTreeWidget *nameValueTree(const QString &name, const QString &accessibleName,
                           const QStringList &headers) {
    auto *tree = new QTreeWidget();
    tree->setObjectName(name);
    tree->setAccessibleName(accessibleName);
    tree->setColumnCount(2);
    tree->setHeaderLabels(headers);
    tree->setUniformRowHeights(true);
    tree->setWordWrap(false);
    tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    tree->header()->setStretchLastSection(true);
    return tree;
}

void fillNameValues(QTreeWidget *tree, const QJsonObject &object, const QString &none) {
    tree->clear();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString value =
            it.value().isString() ? it.value().toString() : it.value().toVariant().toString();
        auto *item = new QTreeWidgetItem(tree, {it.key(), value});
        item->setToolTip(1, value);
    }
    if (object.isEmpty()) {
        auto *item = new QTreeWidgetItem(tree, {none});
        item->setForeground(0, tree->palette().color(QPalette::PlaceholderText));
        item->setFirstColumnSpanned(true);
    }
}

} // namespace

FailuresPanel::FailuresPanel(SimulatorConnection *simulator, FunctionsModel *functions,
                             const QString &projectDir, QWidget *parent)
    : QWidget(parent)
    , m_projectDir(projectDir)
    , m_model(new FailuresModel(this)) {
    setAccessibleName(tr("Failures"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(4);

    m_bar = new FilterBar(functions, "failures", tr("failures"), this);
    layout->addWidget(m_bar);

    auto *content = new QSplitter(Qt::Horizontal);
    content->setObjectName("failuresSplitter");
    content->setChildrenCollapsible(false);
    m_list = new QTableView();
    m_list->setObjectName("failuresList");
    m_list->setAccessibleName(tr("Failed invocations"));
    m_list->setModel(m_model);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setShowGrid(false);
    m_list->setWordWrap(false);
    m_list->verticalHeader()->hide();
    m_list->verticalHeader()->setDefaultSectionSize(m_list->fontMetrics().height() + 6);
    m_list->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_list->horizontalHeader()->setSectionResizeMode(FailuresModel::ErrorColumn,
                                                     QHeaderView::Stretch);
    content->addWidget(titledSection(tr("Failed invocations"), m_list, content, 0));

    auto *details = new QWidget(content);
    auto *detailsLayout = new QVBoxLayout(details);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->setSpacing(2);
    auto *top = new QHBoxLayout();
    auto *titles = new QVBoxLayout();
    titles->setSpacing(0);
    m_headline = new QLabel(details);
    m_headline->setObjectName("failuresHeadline");
    // (Its accessible name is the error itself, which a screen reader reads out; the rich
    // text is for the eye.)
    m_headline->setAccessibleDescription(tr("The selected failure's error"));
    m_headline->setTextFormat(Qt::RichText);
    m_headline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_headline->setWordWrap(true);
    m_where = new QLabel(details);
    m_where->setObjectName("failuresWhere");
    m_where->setAccessibleDescription(tr("Failed invocation"));
    m_where->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette whereQuiet = m_where->palette();
    whereQuiet.setColor(QPalette::WindowText, palette().color(QPalette::PlaceholderText));
    m_where->setPalette(whereQuiet);
    titles->addWidget(m_headline);
    titles->addWidget(m_where);
    top->addLayout(titles, 1);
    m_replay = new QPushButton(tr("Replay in Debugger"), details);
    m_replay->setObjectName("failuresReplay");
    m_replay->setAccessibleName(tr("Replay in Debugger"));
    m_replay->setToolTip(tr("Run the function again under the debugger with the same event and "
                            "environment; it stops where the error is raised"));
    m_copy = new QPushButton(tr("Copy Event"), details);
    m_copy->setObjectName("failuresCopyEvent");
    m_copy->setAccessibleName(tr("Copy Event"));
    m_copy->setToolTip(tr("Copy the event that made the function fail, as JSON"));
    top->addWidget(m_replay, 0, Qt::AlignTop);
    top->addWidget(m_copy, 0, Qt::AlignTop);
    detailsLayout->addLayout(top);

    m_tabs = new QTabWidget(details);
    m_tabs->setObjectName("failuresTabs");
    m_tabs->setAccessibleName(tr("Failure details"));
    m_tabs->setDocumentMode(true);
    m_frames = nameValueTree("failuresFrames", tr("Frames"), {tr("Frame / variable"), tr("Value")});
    m_frames->setRootIsDecorated(true);
    m_frames->setToolTip(tr("Double-click a frame to open its line"));
    m_tabs->addTab(m_frames, tr("Frames"));
    m_event = readOnlyText("failuresEvent", tr("Event"));
    m_tabs->addTab(m_event, tr("Event"));
    m_environment =
        nameValueTree("failuresEnvironment", tr("Environment"), {tr("Variable"), tr("Value")});
    m_environment->setRootIsDecorated(false);
    m_tabs->addTab(m_environment, tr("Environment"));
    m_log = readOnlyText("failuresLog", tr("Log"));
    m_tabs->addTab(m_log, tr("Log"));
    m_stack = readOnlyText("failuresStackTrace", tr("Stack trace"));
    m_tabs->addTab(m_stack, tr("Stack Trace"));
    m_context = nameValueTree("failuresContext", tr("Context"), {tr("Field"), tr("Value")});
    m_context->setRootIsDecorated(false);
    m_tabs->addTab(m_context, tr("Context"));
    detailsLayout->addWidget(m_tabs, 1);
    content->addWidget(details);
    content->setStretchFactor(0, 2);
    content->setStretchFactor(1, 3);
    content->setSizes({400, 600});

    m_states = new StateStack(content, tr("Failures"), this);
    m_states->setObjectName("failuresStates");
    m_states->messageLabel()->setObjectName("failuresMessage");
    layout->addWidget(m_states, 1);

    connect(m_bar, &FilterBar::functionChosen, this, [this] { refresh(); });
    connect(m_bar, &FilterBar::refreshRequested, this, &FailuresPanel::refresh);
    connect(m_replay, &QPushButton::clicked, this, &FailuresPanel::replaySelected);
    connect(m_copy, &QPushButton::clicked, this, &FailuresPanel::copyEvent);
    auto follow = [this](const QModelIndex &index) {
        if (!index.isValid())
            return;
        const qint64 id = index.data(FailuresModel::FailureIdRole).toLongLong();
        if (id != m_shown)
            showFailure(m_model->failure(id));
    };
    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this, follow);
    connect(m_list->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [follow](const QItemSelection &selected) {
                if (!selected.indexes().isEmpty())
                    follow(selected.indexes().first());
            });
    connect(m_frames, &QTreeWidget::itemActivated, this,
            [this](QTreeWidgetItem *item) { openFrame(item); });
    m_reader = new SimulatorReader(simulator, "/_nimbus/failures", this);
    m_poller = new VisibleRefresh(this, simulator, kRefreshMs, [this] { refresh(); });
    showFailure(nullptr);
}

bool FailuresPanel::isPolling() const {
    return m_poller->isPolling();
}

void FailuresPanel::setFunction(const QString &function) {
    m_bar->setFunction(function);
    refresh();
}

QString FailuresPanel::function() const {
    return m_bar->function();
}

void FailuresPanel::showUnavailable(const QString &why) {
    m_model->setFailures({});
    showFailure(nullptr);
    m_bar->status()->clear();
    m_states->showMessage(why, StateStack::Tone::Error);
}

void FailuresPanel::refresh() {
    const QString query = QStringLiteral("function=%1&limit=%2")
                              .arg(QString::fromUtf8(QUrl::toPercentEncoding(function())))
                              .arg(kFailureLimit);
    const auto status =
        m_reader->read(query, query, [this](const QJsonObject &answer, const QString &error) {
            if (!error.isEmpty())
                showUnavailable(tr("Failures could not be read: %1").arg(error));
            else
                showFailures(failuresFromJson(answer));
            emit refreshed();
        });
    if (status == SimulatorReader::Status::Starting)
        m_states->showMessage(tr("The simulator is starting…"), StateStack::Tone::Empty);
    else if (status == SimulatorReader::Status::NotRunning)
        showUnavailable(m_reader->notRunning(tr("failures")));
    if (status == SimulatorReader::Status::Starting || status == SimulatorReader::Status::NotRunning)
        emit refreshed();
}

void FailuresPanel::showFailures(const QList<FailureRecord> &failures) {
    m_bar->status()->setText(tr("%n failure(s), updated %1", nullptr, static_cast<int>(failures.size()))
                          .arg(QTime::currentTime().toString("HH:mm:ss")));
    if (failures.isEmpty()) {
        m_model->setFailures({});
        showFailure(nullptr);
        m_states->showMessage(
            function().isEmpty()
                ? tr("No failed invocations — when a function fails, its event, error, frames "
                     "and variables are kept here, ready to replay in the debugger")
                : tr("No failed invocations of %1").arg(function()),
            StateStack::Tone::Empty);
        return;
    }
    m_states->showContent();
    m_model->setFailures(failures);
    if (m_shown < 0 || !selectFailure(m_shown))
        selectFailure(failures.first().id);
}

bool FailuresPanel::selectFailure(qint64 id) {
    const int row = m_model->rowOf(id);
    if (row < 0)
        return false;
    if (m_list->currentIndex().row() != row)
        m_list->selectionModel()->setCurrentIndex(m_model->index(row, 0),
                                                  QItemSelectionModel::ClearAndSelect |
                                                      QItemSelectionModel::Rows);
    if (m_shown != id)
        showFailure(m_model->failure(id));
    return true;
}

const FailureRecord *FailuresPanel::selectedFailure() const {
    return m_shown < 0 ? nullptr : m_model->failure(m_shown);
}

QString FailuresPanel::resolvePath(const QString &file) const {
    if (file.isEmpty() || QFileInfo(file).isAbsolute())
        return file;
    return QDir(m_projectDir).filePath(file);
}

void FailuresPanel::showFailure(const FailureRecord *failure) {
    m_shown = failure ? failure->id : -1;
    m_replay->setEnabled(failure != nullptr);
    m_copy->setEnabled(failure != nullptr);
    m_frames->clear();
    if (!failure) {
        m_headline->setText(tr("<b>No failure selected</b>"));
        m_headline->setAccessibleName(tr("No failure selected"));
        m_where->clear();
        m_event->clear();
        m_environment->clear();
        m_log->clear();
        m_stack->clear();
        m_context->clear();
        return;
    }
    m_headline->setText(QStringLiteral("<span style=\"color:#c62828\"><b>%1</b>%2</span>")
                            .arg(failure->errorType.toHtmlEscaped(),
                                 failure->errorMessage.isEmpty()
                                     ? QString()
                                     : ": " + failure->errorMessage.toHtmlEscaped()));
    if (failure->errorType.isEmpty())
        m_headline->setText(QStringLiteral("<span style=\"color:#c62828\"><b>%1</b></span>")
                                .arg(failure->headline().toHtmlEscaped()));
    m_headline->setAccessibleName(failure->headline());
    m_where->setText(
        tr("#%1 · %2 (%3) · %4 · request %5%6")
            .arg(failure->id)
            .arg(failure->function, failure->qualifier,
                 QDateTime::fromMSecsSinceEpoch(failure->timeMs).toString("yyyy-MM-dd HH:mm:ss"),
                 failure->requestId,
                 failure->trigger.isEmpty() ? QString() : tr(" · by %1").arg(failure->trigger)));

    // Frames, outermost first, the failing one last (expanded, its locals shown).
    const QDir project(m_projectDir);
    for (int i = 0; i < failure->frames.size(); ++i) {
        const FailureFrame &frame = failure->frames[i];
        const QString path = resolvePath(frame.file);
        QString where = path.startsWith(m_projectDir + "/") ? project.relativeFilePath(path) : path;
        if (frame.line > 0)
            where += ":" + QString::number(frame.line);
        const bool failing = i == failure->frames.size() - 1;
        auto *item = new QTreeWidgetItem(
            m_frames, {frame.name + "  " + where, failing ? tr("raised here") : QString()});
        item->setData(0, kPathRole, path);
        item->setData(0, kLineRole, frame.line);
        item->setToolTip(0, tr("%1 (double-click to open)").arg(path));
        if (failing) {
            QFont bold = item->font(0);
            bold.setBold(true);
            item->setFont(0, bold);
            item->setForeground(1, kErrorColor);
        }
        for (const auto &[name, value] : frame.locals) {
            auto *local = new QTreeWidgetItem(item, {name, value});
            local->setData(0, kPathRole, path);
            local->setData(0, kLineRole, frame.line);
            local->setToolTip(1, value);
            local->setData(0, Qt::AccessibleTextRole, name + " = " + value);
        }
        item->setExpanded(failing || failure->frames.size() <= 3);
        if (failing)
            m_frames->setCurrentItem(item);
    }
    if (failure->frames.isEmpty()) {
        auto *none = new QTreeWidgetItem(
            m_frames, {tr("The runtime sent no frames for this failure: see its Stack Trace")});
        none->setForeground(0, palette().color(QPalette::PlaceholderText));
        none->setFirstColumnSpanned(true);
    }

    m_event->setPlainText(failure->prettyEvent());
    fillNameValues(m_environment, failure->environment,
                   tr("No environment variables (values of secrets are masked as ****)"));
    m_log->setPlainText(failure->log.trimmed());
    m_stack->setPlainText(failure->stackTrace.isEmpty()
                              ? tr("(no stack trace)")
                              : failure->stackTrace.join(QString()).trimmed());
    fillNameValues(m_context, failure->context, tr("(no context)"));
}

void FailuresPanel::openFrame(QTreeWidgetItem *item) {
    const QString path = item ? item->data(0, kPathRole).toString() : QString();
    const int line = item ? item->data(0, kLineRole).toInt() : 0;
    if (path.isEmpty())
        return;
    emit openLocation(path, std::max(0, line - 1), 0);
}

void FailuresPanel::replaySelected() {
    if (const FailureRecord *failure = selectedFailure())
        emit replayRequested(failure->id, failure->function);
}

void FailuresPanel::copyEvent() {
    const FailureRecord *failure = selectedFailure();
    if (!failure)
        return;
    QApplication::clipboard()->setText(failure->prettyEvent());
    m_bar->status()->setText(tr("The event of failure #%1 is on the clipboard").arg(failure->id));
}

} // namespace nimbus::studio
