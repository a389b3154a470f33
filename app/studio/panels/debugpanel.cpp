#include "debugpanel.h"

#include "clients/debugsession.h"
#include "models/breakpointsmodel.h"
#include "section.h"

#include <QCheckBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace nimbus::studio {

namespace {

QTreeView *variableTree(VariablesModel *model, const QString &name, QWidget *parent) {
    auto *view = new QTreeView(parent);
    view->setModel(model);
    view->setAccessibleName(name);
    view->setUniformRowHeights(true);
    view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    view->header()->setSectionResizeMode(VariablesModel::NameColumn, QHeaderView::ResizeToContents);
    view->header()->setSectionResizeMode(VariablesModel::ValueColumn, QHeaderView::Stretch);
    view->header()->setStretchLastSection(false);
    return view;
}

} // namespace

DebugPanel::DebugPanel(DebugSession *session, BreakpointsModel *breakpoints,
                       const QList<QAction *> &toolbar, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_breakpoints(breakpoints) {
    setAccessibleName(tr("Run and Debug"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QToolBar(tr("Debug"), this);
    bar->setAccessibleName(tr("Debug toolbar"));
    bar->addActions(toolbar);
    layout->addWidget(bar);
    m_status = new QLabel(tr("Not debugging. Set breakpoints in a handler, then press F5."), this);
    m_status->setWordWrap(true);
    m_status->setContentsMargins(4, 0, 4, 0);
    layout->addWidget(m_status);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName("debugSplitter");
    layout->addWidget(splitter, 1);

    m_variables = new VariablesModel(session, this);
    m_variablesView = variableTree(m_variables, tr("Variables"), this);
    splitter->addWidget(titledSection(tr("Variables"), m_variablesView, splitter));

    m_watches = new VariablesModel(session, this);
    m_watchView = variableTree(m_watches, tr("Watch"), this);
    auto *watch = titledSection(tr("Watch"), m_watchView, splitter);
    m_watchInput = new QLineEdit(watch);
    m_watchInput->setPlaceholderText(tr("Add an expression to watch"));
    m_watchInput->setAccessibleName(tr("Add watch expression"));
    watch->layout()->addWidget(m_watchInput);
    splitter->addWidget(watch);

    m_stack = new QListWidget(this);
    m_stack->setAccessibleName(tr("Call Stack"));
    splitter->addWidget(titledSection(tr("Call Stack"), m_stack, splitter));

    m_breakpointsView = new QTableView(this);
    m_breakpointsView->setModel(breakpoints);
    m_breakpointsView->setAccessibleName(tr("Breakpoints"));
    m_breakpointsView->verticalHeader()->hide();
    m_breakpointsView->horizontalHeader()->setStretchLastSection(true);
    m_breakpointsView->horizontalHeader()->setSectionResizeMode(BreakpointsModel::LocationColumn,
                                                                QHeaderView::ResizeToContents);
    m_breakpointsView->setWordWrap(false);
    m_breakpointsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_breakpointsView->setShowGrid(false);
    auto *breakpointsSection = titledSection(tr("Breakpoints"), m_breakpointsView, splitter);
    auto *filters = new QHBoxLayout();
    m_raised = new QCheckBox(tr("Raised exceptions"), breakpointsSection);
    m_raised->setAccessibleName(tr("Raised exceptions"));
    m_uncaught = new QCheckBox(tr("Uncaught exceptions"), breakpointsSection);
    m_uncaught->setAccessibleName(tr("Uncaught exceptions"));
    auto *enableAll = new QPushButton(tr("Enable All"), breakpointsSection);
    auto *disableAll = new QPushButton(tr("Disable All"), breakpointsSection);
    auto *removeAll = new QPushButton(tr("Remove All"), breakpointsSection);
    for (QPushButton *b : {enableAll, disableAll, removeAll})
        b->setAccessibleName(b->text());
    filters->addWidget(m_raised);
    filters->addWidget(m_uncaught);
    filters->addStretch();
    filters->addWidget(enableAll);
    filters->addWidget(disableAll);
    filters->addWidget(removeAll);
    qobject_cast<QVBoxLayout *>(breakpointsSection->layout())->addLayout(filters);
    splitter->addWidget(breakpointsSection);
    // The panel fits a short dock area: a section may shrink to its title line (what it holds
    // scrolls or is cut), rather than the four of them together pushing the panel over the
    // docks below it.
    for (int i = 0; i < splitter->count(); ++i)
        splitter->widget(i)->setMinimumHeight(fontMetrics().height() + 8);

    auto syncFilters = [this] {
        m_raised->setChecked(m_breakpoints->breakOnRaised());
        m_uncaught->setChecked(m_breakpoints->breakOnUncaught());
    };
    syncFilters();
    connect(breakpoints, &BreakpointsModel::exceptionFiltersChanged, this, syncFilters);
    auto setFilters = [this] { m_breakpoints->setExceptionFilters(m_raised->isChecked(), m_uncaught->isChecked()); };
    connect(m_raised, &QCheckBox::toggled, this, setFilters);
    connect(m_uncaught, &QCheckBox::toggled, this, setFilters);
    connect(enableAll, &QPushButton::clicked, this, [this] { m_breakpoints->setAllEnabled(true); });
    connect(disableAll, &QPushButton::clicked, this, [this] { m_breakpoints->setAllEnabled(false); });
    connect(removeAll, &QPushButton::clicked, m_breakpoints, &BreakpointsModel::removeAll);
    connect(m_breakpointsView, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        emit openLocation(index.data(BreakpointsModel::FileRole).toString(),
                          index.data(BreakpointsModel::LineRole).toInt(), 0);
    });

    connect(m_watchInput, &QLineEdit::returnPressed, this, [this] {
        addWatch(m_watchInput->text().trimmed());
        m_watchInput->clear();
    });
    connect(m_stack, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row < 0 || row >= m_session->frames().size())
            return;
        const QJsonObject frame = m_session->frames()[row].toObject();
        if (frame.value("id").toInt() != m_session->currentFrameId())
            m_session->selectFrame(frame.value("id").toInt());
    });
    connect(m_stack, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        const int row = m_stack->row(item);
        const QJsonObject frame = m_session->frames()[row].toObject();
        const QString path = frame.value("source").toObject().value("path").toString();
        if (!path.isEmpty())
            emit openLocation(path, frame.value("line").toInt() - 1, 0);
    });

    connect(session, &DebugSession::stopped, this,
            [this](const QString &reason, const QString &description, const QJsonArray &frames) {
                m_stack->blockSignals(true);
                m_stack->clear();
                for (const auto &f : frames) {
                    const QJsonObject frame = f.toObject();
                    const QString path = frame.value("source").toObject().value("path").toString();
                    auto *item = new QListWidgetItem(
                        QStringLiteral("%1  %2:%3")
                            .arg(frame.value("name").toString(), QFileInfo(path).fileName())
                            .arg(frame.value("line").toInt()),
                        m_stack);
                    item->setToolTip(path);
                    if (frame.value("presentationHint").toString() == "subtle")
                        item->setForeground(QColor(0x77, 0x76, 0x7b));
                }
                m_stack->setCurrentRow(0);
                m_stack->blockSignals(false);
                m_status->setText(description.isEmpty()
                                      ? tr("Paused on %1").arg(reason)
                                      : tr("Paused on %1: %2").arg(reason, description));
                refreshWatches();
            });
    connect(session, &DebugSession::frameSelected, this,
            [this](int, const QJsonObject &, const QJsonArray &scopes) {
                m_variables->setScopes(scopes);
                // The first scope (the function's locals) opens by itself.
                if (m_variables->rowCount() > 0)
                    m_variablesView->expand(m_variables->index(0, 0));
            });
    connect(session, &DebugSession::stateChanged, this, [this](DebugSession::State state) {
        if (state == DebugSession::State::Running) {
            m_status->setText(tr("Running %1…").arg(m_session->function()));
        } else if (state == DebugSession::State::Starting) {
            m_status->setText(tr("Starting the debugger for %1…").arg(m_session->function()));
        } else if (state == DebugSession::State::Idle) {
            m_variables->clear();
            m_stack->clear();
            refreshWatches();
        }
    });
    connect(session, &DebugSession::ended, this, [this](const QString &reason) { m_status->setText(reason); });
    connect(m_variables, &VariablesModel::message, m_status, &QLabel::setText);
    connect(m_watches, &VariablesModel::message, m_status, &QLabel::setText);
}

void DebugPanel::setWatchExpressions(const QStringList &expressions) {
    m_expressions = expressions;
    refreshWatches();
}

void DebugPanel::addWatch(const QString &expression) {
    if (expression.isEmpty() || m_expressions.contains(expression))
        return;
    m_expressions.append(expression);
    refreshWatches();
}

void DebugPanel::refreshWatches() {
    if (m_session->state() != DebugSession::State::Stopped) {
        QList<VariablesModel::Watch> idle;
        for (const QString &e : std::as_const(m_expressions))
            idle.append({e, {}, tr("not available")});
        m_watches->setWatches(idle);
        return;
    }
    // Every expression is evaluated again at each stop; the list is shown when all answered.
    auto results = std::make_shared<QList<VariablesModel::Watch>>();
    auto left = std::make_shared<int>(static_cast<int>(m_expressions.size()));
    for (const QString &e : std::as_const(m_expressions))
        results->append({e, {}, {}});
    if (m_expressions.isEmpty()) {
        m_watches->setWatches({});
        return;
    }
    for (int i = 0; i < m_expressions.size(); ++i) {
        m_session->evaluate(m_expressions[i], "watch",
                            [this, results, left, i](const QJsonObject &body, const QString &error) {
                                (*results)[i].result = body;
                                (*results)[i].error = error;
                                if (--*left == 0)
                                    m_watches->setWatches(*results);
                            });
    }
}

DebugConsole::DebugConsole(DebugSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session) {
    setAccessibleName(tr("Debug Console"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_output = new QPlainTextEdit(this);
    m_output->setReadOnly(true);
    m_output->setAccessibleName(tr("Debug output"));
    m_output->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_output->setMaximumBlockCount(20000);
    m_input = new QLineEdit(this);
    m_input->setAccessibleName(tr("Evaluate"));
    m_input->setPlaceholderText(tr("Evaluate an expression in the selected frame"));
    m_input->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    layout->addWidget(m_output, 1);
    layout->addWidget(m_input);
    connect(session, &DebugSession::output, this, &DebugConsole::append);
    connect(session, &DebugSession::ended, this,
            [this](const QString &reason) { append("important", reason + "\n"); });
    connect(m_input, &QLineEdit::returnPressed, this, [this] {
        const QString expression = m_input->text().trimmed();
        if (expression.isEmpty())
            return;
        m_input->clear();
        append("input", "> " + expression + "\n");
        m_session->evaluate(expression, "repl", [this](const QJsonObject &body, const QString &error) {
            append(error.isEmpty() ? "result" : "stderr",
                   (error.isEmpty() ? body.value("result").toString() : error) + "\n");
        });
    });
}

void DebugConsole::append(const QString &category, const QString &text) {
    QTextCharFormat format;
    if (category == "stderr")
        format.setForeground(QColor(0xc0, 0x1c, 0x28));
    else if (category == "console" || category == "important")
        format.setForeground(QColor(0x1a, 0x5f, 0xb4));
    else if (category == "input")
        format.setForeground(QColor(0x5e, 0x5c, 0x64));
    QTextCursor cursor(m_output->document());
    cursor.movePosition(QTextCursor::End);
    QString shown = text;
    shown.replace('\t', QStringLiteral("  "));
    if (shown.endsWith('\n'))
        shown.chop(1);
    if (!m_output->document()->isEmpty())
        cursor.insertBlock();
    cursor.insertText(shown, format);
    m_output->verticalScrollBar()->setValue(m_output->verticalScrollBar()->maximum());
}

} // namespace nimbus::studio
