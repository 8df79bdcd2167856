# The chart (EHR): chart pages, and the patient messages (SMS, WhatsApp, e-mail).
# reviewed: false

## Patient messages (ehr/messages.html)

ehr-msg-title = Mensajes · { $name }
ehr-msg-heading = Mensajes
ehr-msg-intro = SMS, WhatsApp y correos enviados al paciente, los más recientes primero, con lo que informó el proveedor. Un mensaje sin el consentimiento del paciente se registra pero no se envía.
ehr-msg-none = No se ha enviado ningún mensaje a este paciente.
ehr-msg-no-more = No hay más mensajes.
ehr-msg-caption = Mensajes al paciente
ehr-msg-col-queued = En cola ({ $zone })
ehr-msg-col-channel = Canal
ehr-msg-col-to = Para
ehr-msg-col-subject = Asunto
ehr-msg-col-status = Estado
ehr-msg-col-sent = Enviado
ehr-msg-col-delivered = Entregado
ehr-msg-col-attempts = Intentos
ehr-msg-provider = proveedor: { $status }
ehr-msg-send-heading = Enviar un mensaje
ehr-msg-sms-no-phone = SMS: no hay teléfono registrado
ehr-msg-sms-to = SMS a
ehr-msg-sms-consented = con consentimiento
ehr-msg-sms-not-consented = sin consentimiento para SMS
ehr-msg-whatsapp-consented = WhatsApp con consentimiento
ehr-msg-whatsapp-not-consented = WhatsApp sin consentimiento
ehr-msg-email-no-address = correo: no hay correo registrado
ehr-msg-email-to = correo a
ehr-msg-email-consented = con consentimiento
ehr-msg-email-not-consented = sin consentimiento para correo
ehr-msg-consent-where = El consentimiento se registra en los datos del paciente.
ehr-msg-language-note = Una plantilla se escribe en el idioma preferido del paciente si su traducción está revisada; si no, en el idioma del centro (o en inglés). El texto que usted escribe se envía tal cual.
ehr-msg-template = Plantilla
ehr-msg-template-hint = Una plantilla sustituye el asunto y el mensaje de abajo.
ehr-msg-template-none = Ninguna: escriba el mensaje abajo
ehr-msg-body = Mensaje (opcional, hasta 600 caracteres)
ehr-msg-sms-budget = Un SMS se corta a los 4 segmentos: unos 600 caracteres en alfabeto latino, pero solo unos 260 en árabe y otras escrituras.
ehr-msg-queue = Poner en cola
ehr-msg-queued = Mensaje en cola; su estado de entrega aparece abajo.
ehr-msg-no-consent = Mensaje registrado, pero el paciente no ha dado su consentimiento para este canal: no se enviará.
ehr-msg-err-template = Elija una plantilla de la lista.
ehr-msg-err-subject = Escriba un asunto (es el comienzo del SMS).
ehr-msg-err-subject-max = { $max } caracteres como máximo.
ehr-msg-err-body-max = { $max } caracteres como máximo.
ehr-msg-err-no-phone = El registro no tiene teléfono; añádalo primero en los datos del paciente.
ehr-msg-err-no-email = El registro no tiene correo; añádalo primero en los datos del paciente.
ehr-msg-err-channel = Elija SMS, WhatsApp o correo.
ehr-msg-channel-sms = SMS
ehr-msg-channel-whatsapp = WhatsApp
ehr-msg-channel-email = Correo
ehr-msg-status-queued = En cola
ehr-msg-status-sent = Enviado
ehr-msg-status-delivered = Entregado
ehr-msg-status-failed = Fallido
ehr-msg-status-dead = No entregado
ehr-msg-status-not-sent = No enviado (sin proveedor)
ehr-msg-status-suppressed = No enviado (sin consentimiento)

## Patient message templates (patient-facing: sent only in a reviewed language)

ehr-msg-tpl-results-ready-label = Resultados listos
ehr-msg-tpl-results-ready-subject = Sus resultados ya están disponibles
ehr-msg-tpl-results-ready-body = Llame a { $hospital } para pedir una cita y comentarlos.
ehr-msg-tpl-please-call-label = Llámenos, por favor
ehr-msg-tpl-please-call-subject = Llámenos, por favor
ehr-msg-tpl-please-call-body = { $hospital } desea hablar con usted. Llámenos en horario de atención.
ehr-msg-tpl-prescription-ready-label = Receta lista
ehr-msg-tpl-prescription-ready-subject = Su receta está lista
ehr-msg-tpl-prescription-ready-body = Puede recogerla en la farmacia de { $hospital }.

## Chart overview (ehr/chart.html)

ehr-chart-title = Historia · { $name }
ehr-chart-active-problems = Problemas activos
ehr-chart-no-problems = No hay problemas activos registrados.
ehr-chart-not-icd-coded = , sin código CIE
ehr-chart-since = desde { $date }
ehr-chart-problem-list = Lista de problemas
ehr-chart-latest-vitals = Últimas constantes vitales
ehr-chart-warning = Aviso
ehr-chart-no-vitals = No hay constantes vitales registradas.
ehr-chart-vitals-link = Constantes vitales y tendencias
ehr-chart-home-meds = Medicación domiciliaria
ehr-chart-no-meds = No hay medicación domiciliaria registrada.
ehr-chart-med-list = Lista de medicación
ehr-chart-timeline = Cronología
ehr-chart-new-encounter = Nuevo episodio
ehr-chart-new-note = Nueva nota
ehr-chart-nothing-yet = Todavía no hay nada registrado.
ehr-vital-temp = Temp.
ehr-vital-pulse = Pulso
ehr-vital-bp = PA
ehr-vital-resp = Resp.
ehr-vital-spo2 = SpO2
ehr-vital-weight = Peso
ehr-vital-bmi = IMC
ehr-vital-pain = Dolor
ehr-news2 = NEWS2 { $score } · { $band }
ehr-news2-incomplete = NEWS2 incompleto: falta { $missing }

## Coded values (keys built from the code: keep them in every language)

ehr-flag-normal = Normal
ehr-flag-abnormal = Anormal
ehr-flag-critical = Crítico
ehr-news2-band-low = riesgo clínico bajo
ehr-news2-band-low-medium = riesgo clínico bajo-medio (un parámetro puntuó 3)
ehr-news2-band-medium = riesgo clínico medio
ehr-news2-band-high = riesgo clínico alto
ehr-news2-param-respiration-rate = frecuencia respiratoria
ehr-news2-param-spo2 = SpO2
ehr-news2-param-air-or-oxygen = aire u oxígeno
ehr-news2-param-systolic-blood-pressure = presión arterial sistólica
ehr-news2-param-pulse = pulso
ehr-news2-param-consciousness = nivel de conciencia
ehr-news2-param-temperature = temperatura
ehr-kind-encounter = Episodio
ehr-kind-problem = Problema
ehr-kind-allergy = Alergia
ehr-kind-vitals = Constantes vitales
ehr-kind-note = Nota
ehr-kind-medication = Medicación
ehr-kind-document = Documento
ehr-kind-immunization = Vacuna
ehr-kind-order = Orden
ehr-kind-alert = Alerta
ehr-status-active = Activo
ehr-status-resolved = Resuelto
ehr-status-inactive = Inactivo
ehr-status-final = Definitivo
ehr-status-signed = Firmado
ehr-status-draft = Borrador
ehr-status-open = Abierto
ehr-status-closed = Cerrado
ehr-status-normal = Normal
ehr-status-abnormal = Anormal
ehr-status-critical = Crítico
ehr-status-completed = Completado
ehr-status-stopped = Suspendido

## Patient summary (ehr/summary.html) and notes (ehr/notes.html)

ehr-summary-print-hint = Imprima esta página con su navegador (Ctrl+P); la navegación y los botones no se imprimen.
ehr-summary-heading = Resumen del paciente
ehr-summary-printed = impreso el { $when } por { $by }
ehr-summary-nka = Sin alergias conocidas.
ehr-summary-allergies-not-recorded = Alergias sin registrar.
ehr-summary-col-code = Código
ehr-summary-col-onset = Inicio
ehr-summary-not-icd-coded = sin código CIE
ehr-summary-recent-encounters = Episodios recientes
ehr-summary-none = Ninguno.
ehr-summary-col-date = Fecha ({ $zone })
ehr-summary-col-department = Servicio
ehr-summary-col-clinician = Profesional
ehr-summary-col-reason = Motivo
ehr-summary-signed-notes = Notas firmadas
ehr-summary-signed-by = firmada por { $name }
ehr-notes-heading = Notas clínicas
ehr-notes-new = Nueva { $template }
ehr-notes-none = Todavía no hay notas.
ehr-notes-caption = Notas clínicas, las más recientes primero
ehr-notes-col-written = Escrita
ehr-notes-col-title = Título
ehr-notes-col-template = Plantilla
ehr-notes-col-author = Autor
ehr-notes-addenda = { $count ->
    [one] +1 adenda
   *[other] +{ $count } adendas
}
ehr-note-template-soap = nota SOAP
ehr-note-template-progress = nota de evolución
ehr-note-template-procedure = nota de procedimiento
ehr-note-template-free = nota libre
