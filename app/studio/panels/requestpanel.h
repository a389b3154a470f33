#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace nimbus::studio {

class SimulatorConnection;
struct HttpOutcome;

// The Request panel, a small HTTP client for http functions, http services and http
// events: method, path, query, headers and body go to the simulator's gateway; the answer's
// status, headers, body (JSON pretty-printed) and time come back.
class RequestPanel : public QWidget {
    Q_OBJECT
public:
    explicit RequestPanel(SimulatorConnection *simulator, QWidget *parent = nullptr);

    void setRequest(const QString &method, const QString &path);
    void send();

    QComboBox *method() const { return m_method; }
    QLineEdit *path() const { return m_path; }
    QLineEdit *query() const { return m_query; }
    QTableWidget *headers() const { return m_headers; }
    QPlainTextEdit *body() const { return m_body; }
    QLabel *status() const { return m_status; }
    QPlainTextEdit *responseBody() const { return m_responseBody; }
    QPlainTextEdit *responseHeaders() const { return m_responseHeaders; }

signals:
    void answered(int status);

private:
    void showOutcome(const HttpOutcome &outcome);

    SimulatorConnection *m_simulator;
    QComboBox *m_method;
    QLineEdit *m_path;
    QLineEdit *m_query;
    QTableWidget *m_headers;
    QPlainTextEdit *m_body;
    QPushButton *m_send;
    QLabel *m_status;
    QPlainTextEdit *m_responseHeaders;
    QPlainTextEdit *m_responseBody;
};

} // namespace nimbus::studio
