#include "invokepanel.h"

#include "models/functionsmodel.h"
#include "models/invocationhistorymodel.h"
#include "nimbus/resources/resourcelocator.h"

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QVBoxLayout>
#include <Qsci/qscilexerjson.h>
#include <Qsci/qsciscintilla.h>

namespace nimbus::studio {

namespace {

// An object or array indented; anything else (a scalar result, text) as it came.
QString pretty(const QByteArray &json) {
    const QJsonDocument document = QJsonDocument::fromJson(json);
    return document.isNull() ? QString::fromUtf8(json)
                             : QString::fromUtf8(document.toJson(QJsonDocument::Indented)).trimmed();
}

// Line and column of a byte offset in UTF-8 text, 1-based, for messages.
QPair<int, int> lineColumnAt(const QByteArray &text, int offset) {
    int line = 1, column = 1;
    for (int i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

} // namespace

InvokePanel::InvokePanel(SimulatorConnection *simulator, FunctionsModel *functions,
                         const QString &projectDir, QWidget *parent)
    : QWidget(parent)
    , m_simulator(simulator)
    , m_functions(functions)
    , m_projectDir(projectDir) {
    setAccessibleName(tr("Invoke"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);

    auto *form = new QFormLayout();
    m_function = new QComboBox(this);
    m_function->setAccessibleName(tr("Function"));
    form->addRow(tr("&Function:"), m_function);
    auto *events = new QHBoxLayout();
    m_saved = new QComboBox(this);
    m_saved->setAccessibleName(tr("Saved event"));
    m_template = new QComboBox(this);
    m_template->setAccessibleName(tr("Template"));
    m_save = new QPushButton(tr("Save Event…"), this);
    m_save->setAccessibleName(tr("Save Event…"));
    events->addWidget(m_saved, 1);
    events->addWidget(m_template, 1);
    events->addWidget(m_save);
    form->addRow(tr("Event:"), events);
    layout->addLayout(form);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName("invokeSplitter");
    auto *top = new QWidget(splitter);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    m_event = new QsciScintilla(top);
    m_event->setAccessibleName(tr("Event JSON"));
    auto *lexer = new QsciLexerJSON(m_event);
    lexer->setDefaultFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    lexer->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_event->setLexer(lexer);
    m_event->setUtf8(true);
    m_event->setTabWidth(2);
    m_event->setIndentationsUseTabs(false);
    m_event->setAutoIndent(true);
    m_event->setMarginType(0, QsciScintilla::NumberMargin);
    m_event->setMarginWidth(0, "000");
    m_event->setBraceMatching(QsciScintilla::SloppyBraceMatch);
    topLayout->addWidget(m_event, 1);
    auto *runRow = new QHBoxLayout();
    m_validation = new QLabel(top);
    m_invoke = new QPushButton(tr("Invoke"), top);
    m_invoke->setAccessibleName(tr("Invoke"));
    m_invoke->setDefault(true);
    m_invoke->setToolTip(tr("Run the function with this event (Ctrl+Enter)"));
    m_invoke->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    runRow->addWidget(m_validation, 1);
    runRow->addWidget(m_invoke);
    topLayout->addLayout(runRow);

    auto *bottom = new QWidget(splitter);
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    m_status = new QLabel(tr("Result: not invoked yet"), bottom);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_figures = new QLabel(bottom);
    m_figures->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_figures->setWordWrap(true);
    bottomLayout->addWidget(m_status);
    bottomLayout->addWidget(m_figures);
    auto *resultSplit = new QSplitter(Qt::Horizontal, bottom);
    m_result = new QPlainTextEdit(resultSplit);
    m_result->setReadOnly(true);
    m_result->setAccessibleName(tr("Result"));
    m_result->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_result->setPlaceholderText(tr("The function's result, or its error and stack, shows here."));
    m_history = new InvocationHistoryModel(this);
    m_historyView = new QListView(resultSplit);
    m_historyView->setModel(m_history);
    m_historyView->setAccessibleName(tr("History"));
    m_historyView->setToolTip(tr("Past invocations: click to show, double-click to run again"));
    resultSplit->setStretchFactor(0, 3);
    resultSplit->setStretchFactor(1, 2);
    bottomLayout->addWidget(resultSplit, 1);
    layout->addWidget(splitter, 1);

    m_template->addItem(tr("Template…"), QString());
    const QDir templates(QString::fromStdString(resources::resourcePath("events")));
    for (const QFileInfo &file : templates.entryInfoList({"*.json"}, QDir::Files, QDir::Name))
        m_template->addItem(file.completeBaseName(), file.absoluteFilePath());

    auto refreshFunctions = [this] {
        const QString current = m_function->currentText();
        m_function->blockSignals(true);
        m_function->clear();
        // Event functions are invoked with events; http functions and services answer
        // requests (the Request panel).
        m_function->addItems(m_functions->names("event"));
        m_function->blockSignals(false);
        const int index = m_function->findText(current);
        m_function->setCurrentIndex(index >= 0 ? index : 0);
        reloadSavedEvents();
    };
    connect(m_functions, &FunctionsModel::functionsChanged, this, refreshFunctions);
    refreshFunctions();
    connect(m_function, &QComboBox::currentTextChanged, this, [this] { reloadSavedEvents(); });
    connect(m_saved, &QComboBox::activated, this, [this](int index) {
        QFile file(m_saved->itemData(index).toString());
        if (file.open(QIODevice::ReadOnly))
            setEvent(QString::fromUtf8(file.readAll()));
    });
    connect(m_template, &QComboBox::activated, this, [this](int index) {
        QFile file(m_template->itemData(index).toString());
        if (file.open(QIODevice::ReadOnly))
            setEvent(QString::fromUtf8(file.readAll()));
        m_template->setCurrentIndex(0);
    });
    connect(m_save, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Save Event"),
                                                   tr("Name for this event of %1:").arg(function()),
                                                   QLineEdit::Normal, "event", &ok);
        QString error;
        if (ok && !name.trimmed().isEmpty() && !saveEvent(name.trimmed(), &error))
            m_validation->setText(error);
    });
    connect(m_event, &QsciScintilla::textChanged, this, &InvokePanel::validate);
    connect(m_invoke, &QPushButton::clicked, this, &InvokePanel::invoke);
    connect(m_historyView, &QListView::clicked, this,
            [this](const QModelIndex &index) { showRecord(m_history->record(index.row())); });
    connect(m_historyView, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        const InvocationRecord record = m_history->record(index.row());
        setFunction(record.function);
        setEvent(QString::fromUtf8(record.event));
        run(record.function, record.event);
    });
    setEvent("{}");
}

void InvokePanel::reloadSavedEvents() {
    m_saved->clear();
    m_saved->addItem(tr("Saved events…"), QString());
    const QString name = function();
    if (name.isEmpty())
        return;
    // events/<function>/*.json, and the single events/<function>.json many projects keep.
    const QDir folder(m_projectDir + "/events/" + name);
    for (const QFileInfo &file : folder.entryInfoList({"*.json"}, QDir::Files, QDir::Name))
        m_saved->addItem(name + "/" + file.completeBaseName(), file.absoluteFilePath());
    const QFileInfo single(m_projectDir + "/events/" + name + ".json");
    if (single.isFile())
        m_saved->addItem(name, single.absoluteFilePath());
    // The first saved event is the natural default for a function with none typed yet.
    if (m_saved->count() > 1 && (event().trimmed().isEmpty() || event().trimmed() == "{}")) {
        QFile file(m_saved->itemData(1).toString());
        if (file.open(QIODevice::ReadOnly))
            setEvent(QString::fromUtf8(file.readAll()));
    }
}

void InvokePanel::setFunction(const QString &name) {
    const int index = m_function->findText(name);
    if (index >= 0)
        m_function->setCurrentIndex(index);
}

QString InvokePanel::function() const {
    return m_function->currentText();
}

void InvokePanel::setEvent(const QString &json) {
    m_event->setText(json);
}

QString InvokePanel::event() const {
    return m_event->text();
}

void InvokePanel::validate() {
    const QByteArray text = m_event->text().toUtf8();
    QJsonParseError error;
    QJsonDocument::fromJson(text.trimmed().isEmpty() ? "{}" : text, &error);
    m_eventValid = error.error == QJsonParseError::NoError;
    if (!m_eventValid) {
        // Scalars and arrays are events too ("hello", [1,2]); Qt parses only documents.
        QJsonParseError wrapped;
        QJsonDocument::fromJson("[" + text + "]", &wrapped);
        m_eventValid = wrapped.error == QJsonParseError::NoError;
    }
    if (m_eventValid) {
        m_validation->setText(tr("Valid JSON"));
        m_validation->setStyleSheet("color: #26803c;");
    } else {
        const auto [line, column] = lineColumnAt(text, error.offset);
        m_validation->setText(tr("Not valid JSON: %1 at line %2, column %3")
                                  .arg(error.errorString())
                                  .arg(line)
                                  .arg(column));
        m_validation->setStyleSheet("color: #c01c28;");
    }
    m_invoke->setEnabled(m_eventValid && !m_running);
}

bool InvokePanel::saveEvent(const QString &name, QString *error) {
    const QString folder = m_projectDir + "/events/" + function();
    QDir().mkpath(folder);
    QSaveFile file(folder + "/" + QString(name).replace('/', '_') + ".json");
    if (!file.open(QIODevice::WriteOnly) || file.write(event().toUtf8()) < 0 || !file.commit()) {
        if (error)
            *error = tr("cannot save the event: %1").arg(file.errorString());
        return false;
    }
    reloadSavedEvents();
    return true;
}

void InvokePanel::invoke() {
    if (function().isEmpty()) {
        m_status->setText(tr("Result: choose a function to invoke"));
        return;
    }
    if (!m_eventValid)
        return;
    const QByteArray event = m_event->text().trimmed().isEmpty() ? "{}" : m_event->text().toUtf8();
    run(function(), event);
}

void InvokePanel::run(const QString &function, const QByteArray &event) {
    m_running = true;
    m_invoke->setEnabled(false);
    m_status->setText(tr("Result: invoking %1…").arg(function));
    m_figures->clear();
    m_simulator->invoke(function, event, [this, function, event](InvokeOutcome outcome) {
        m_running = false;
        m_invoke->setEnabled(m_eventValid);
        InvocationRecord record{QDateTime::currentDateTime(), function, event, std::move(outcome)};
        m_history->add(record);
        showRecord(record);
        emit invoked(record);
    });
}

void InvokePanel::showRecord(const InvocationRecord &record) {
    const InvokeOutcome &o = record.outcome;
    // Lambda separates REPORT's fields with tabs; a text view would run them together.
    const QString log = QString(o.log).replace('\t', QStringLiteral("  ")).trimmed();
    if (!o.error.isEmpty()) {
        m_status->setText(tr("Result: %1 could not be invoked — %2").arg(record.function, o.error));
        m_status->setStyleSheet("color: #c01c28;");
        m_result->setPlainText(o.error);
        m_figures->clear();
        return;
    }
    if (!o.functionError.isEmpty()) {
        const QJsonObject error = QJsonDocument::fromJson(o.payload).object();
        m_status->setText(tr("Result: %1 failed — %2: %3")
                              .arg(record.function,
                                   error.value("errorType").toString(o.functionError),
                                   error.value("errorMessage").toString()));
        m_status->setStyleSheet("color: #c01c28;");
        QString text = error.value("errorType").toString() + ": " +
                       error.value("errorMessage").toString() + "\n";
        for (const auto &frame : error.value("stackTrace").toArray())
            text += "  " + frame.toString().trimmed() + "\n";
        m_result->setPlainText(text + "\n" + pretty(o.payload) + "\n\n" + log);
    } else {
        m_status->setText(tr("Result: %1 succeeded").arg(record.function));
        m_status->setStyleSheet("color: #26803c;");
        m_result->setPlainText(pretty(o.payload) + "\n\n" + log);
    }
    if (o.report) {
        const ReportFigures &r = *o.report;
        QStringList parts{
            tr("Duration: %1 ms").arg(r.durationMs, 0, 'f', 2),
            tr("Max Memory Used: %1 MB of %2 MB").arg(r.maxMemoryUsedMb).arg(r.memorySizeMb)};
        if (r.billedDurationMs >= 0) // (SCF's lines have none)
            parts.insert(1, tr("Billed Duration: %1 ms").arg(r.billedDurationMs, 0, 'f', 0));
        if (r.initDurationMs >= 0)
            parts.insert(parts.size() - 1,
                         tr("Init Duration: %1 ms (cold start)").arg(r.initDurationMs, 0, 'f', 2));
        else
            parts.insert(parts.size() - 1, tr("Init Duration: — (warm)"));
        m_figures->setText(parts.join(QStringLiteral("   ·   ")));
    } else {
        m_figures->setText(tr("Took %1 ms").arg(o.elapsedMs));
    }
}

} // namespace nimbus::studio
