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

## Shared by the chart tabs

ehr-icd10cm = CIE-10-MC
ehr-status-entered-in-error = Registrado por error
ehr-status-planned = Planificado
ehr-status-arrived = Llegó
ehr-status-in-progress = En curso
ehr-status-finished = Finalizado
ehr-status-cancelled = Cancelado
ehr-enc-kind-outpatient = Ambulatorio
ehr-enc-kind-emergency = Urgencias
ehr-enc-kind-inpatient = Hospitalización
ehr-enc-kind-telephone = Telefónico
ehr-enc-kind-virtual = Virtual
ehr-enc-kind-home-visit = Visita domiciliaria

## Problem list (ehr/problems.html)

ehr-problems-title = Problemas · { $name }
ehr-problems-heading = Lista de problemas
ehr-problems-none = No hay problemas registrados.
ehr-problems-caption = Problemas
ehr-problems-col-problem = Problema
ehr-problems-col-onset = Inicio
ehr-problems-col-status = Estado
ehr-problems-col-resolved = Resuelto
ehr-problems-col-recorded-by = Registrado por
ehr-problems-col-change = Cambiar
ehr-problems-not-icd-coded = Sin código CIE
ehr-problems-add-icd = Añadir código CIE-10-MC…
ehr-problems-suggested-for = Sugerencias para «{ $problem }»:
ehr-problems-use = Usar
ehr-problems-type-icd = O escriba un código CIE-10-MC facturable
ehr-problems-add-code = Añadir código
ehr-problems-provisional = provisional
ehr-problems-rank-badge-primary = diagnóstico principal de un episodio
ehr-problems-rank-badge-secondary = diagnóstico secundario de un episodio
ehr-problems-resolve = Resolver
ehr-problems-reactivate = Reactivar
ehr-problems-entered-in-error = Registrado por error
ehr-problems-open-action = { $action }…
ehr-problems-confirm-resolve = Confirmar: resolver
ehr-problems-confirm-reactivate = Confirmar: reactivar
ehr-problems-confirm-entered-in-error = Confirmar: registrado por error
ehr-problems-resolve-q = ¿Resolver
ehr-problems-resolve-q-end = ? Sale de la lista de problemas activos.
ehr-problems-error-q = ¿Marcar
ehr-problems-error-q-end = como registrado por error? No se puede deshacer.
ehr-problems-reason-required = Motivo (obligatorio)
ehr-problems-resolved-on-optional = Resuelto el (opcional, por defecto hoy)
ehr-problems-reason = Motivo:
ehr-problems-new-heading = Añadir un problema
ehr-problems-dup-title = { $problem } ya es un problema activo.
ehr-problems-dup-existing = Entrada existente: { $certainty ->
    [provisional] provisional
   *[other] confirmado
}, inicio { $onset }
ehr-problems-dup-comment = , «{ $comment }»
ehr-problems-dup-recorded = ; registrado el { $when }.
ehr-problems-dup-recorded-by = ; registrado el { $when } por { $name }.
ehr-problems-dup-update = Actualizar el existente
ehr-problems-dup-anyway = Registrar de todos modos…
ehr-problems-dup-why = ¿Por qué registrar una segunda entrada? (obligatorio)
ehr-problems-dup-record = Registrar una segunda entrada
ehr-problems-dup-why-code = ¿Por qué registrar una segunda entrada con este código?
ehr-problems-browse-icd = Explorar la CIE-10-MC
ehr-problems-other-legend = O bien: codificado en otro sistema, o texto libre (entonces la CIE-10-MC es opcional)
ehr-problems-system = Sistema de codificación
ehr-problems-system-none = — ninguno (CIE-10-MC arriba, o texto libre) —
ehr-problems-system-snomed = SNOMED CT
ehr-problems-system-other = Otro sistema (indique su URI)
ehr-problems-system-uri = URI del sistema
ehr-problems-system-uri-hint = Con «otro sistema»: la URI del sistema de origen, p. ej. http://example.org/codes.
ehr-problems-code = Código
ehr-problems-code-hint = SNOMED CT: el identificador del concepto, p. ej. 49436004.
ehr-problems-display = Problema tal como se nombra
ehr-problems-display-hint = Obligatorio con otro sistema; solo, registra el problema como texto libre.
ehr-problems-onset-date = Fecha de inicio
ehr-problems-resolved-on = Resuelto el
ehr-problems-resolved-on-hint = Si está resuelto: la fecha de resolución (por defecto hoy).
ehr-problems-certainty = Certeza
ehr-problems-certainty-confirmed = Confirmado
ehr-problems-certainty-provisional = Provisional
ehr-problems-encounter = Diagnóstico del episodio
ehr-problems-encounter-none = — ninguno (solo lista de problemas) —
ehr-problems-encounter-hint = Opcional: lo registra como diagnóstico de este episodio.
ehr-problems-rank = Rango del diagnóstico
ehr-problems-rank-primary = Principal
ehr-problems-rank-secondary = Secundario
ehr-problems-rank-hint = Con un episodio; un solo diagnóstico principal por episodio.
ehr-problems-comment = Comentario
ehr-problems-submit = Añadir problema

## Allergies (ehr/allergies.html)

ehr-allergies-title = Alergias · { $name }
ehr-allergies-heading = Alergias e intolerancias
ehr-allergies-record-nka = Registrar «sin alergias conocidas»
ehr-allergies-nka = Sin alergias conocidas
ehr-allergies-nka-recorded = registrado.
ehr-allergies-not-recorded = Alergias no registradas
ehr-allergies-not-recorded-hint = Pregunte al paciente y registre sus alergias o «sin alergias conocidas».
ehr-allergies-col-substance = Sustancia
ehr-allergies-col-type = Tipo
ehr-allergies-col-reaction = Reacción
ehr-allergies-col-severity = Gravedad y criticidad
ehr-allergies-col-status = Estado
ehr-allergies-col-recorded = Registrado ({ $zone })
ehr-allergies-col-change = Cambiar
ehr-allergies-verification-of = Verificación: { $status }
ehr-allergies-onset = Inicio { $date }
ehr-allergies-mark = ¿Marcar la alergia a
ehr-allergies-mark-inactive = como inactiva? Sale del encabezado del paciente.
ehr-allergies-mark-active = como activa? Sale del encabezado del paciente.
ehr-allergies-mark-entered-in-error = como registrada por error? Sale del encabezado del paciente.
ehr-allergies-confirm-inactive = Confirmar: inactiva
ehr-allergies-confirm-active = Confirmar: activa
ehr-allergies-confirm-entered-in-error = Confirmar: registrada por error
ehr-allergies-new-heading = Registrar una alergia o intolerancia
ehr-allergies-dup-title = Ya hay registrada una alergia activa a { $substance }.
ehr-allergies-dup-existing = Entrada existente: { $kind },
ehr-allergies-dup-severity = gravedad
ehr-allergies-dup-reaction = , reacción { $reaction }
ehr-allergies-dup-update = Actualizar la existente (gravedad { $severity })
ehr-allergies-dup-why-substance = ¿Por qué registrar una segunda entrada para esta sustancia?
ehr-allergies-substance-coded = Sustancia (codificada)
ehr-allergies-substance-other = Otra (escríbala abajo)
ehr-allergies-substance-free = Sustancia (texto libre)
ehr-allergies-category = Categoría (para texto libre)
ehr-allergies-kind-allergy-option = Alergia
ehr-allergies-kind-intolerance-option = Intolerancia
ehr-allergies-severity = Gravedad
ehr-allergies-optional = — (opcional)
ehr-allergies-criticality = Criticidad
ehr-allergies-criticality-hint = El riesgo de una reacción grave futura (FHIR): baja, alta o no evaluable.
ehr-allergies-reaction-severity = Gravedad de la reacción
ehr-allergies-reaction-severity-hint = Qué tan grave fue la reacción anterior.
ehr-allergies-verification = Verificación
ehr-allergies-verification-hint = Por defecto, confirmada.
ehr-allergies-submit = Registrar alergia
ehr-allergies-kind-allergy = alergia
ehr-allergies-kind-intolerance = intolerancia
ehr-allergies-category-drug = fármaco
ehr-allergies-category-food = alimento
ehr-allergies-category-environment = ambiental
ehr-allergies-category-other = otra
ehr-allergies-category-medication = medicamento
ehr-allergies-category-biologic = biológico
ehr-allergies-severity-mild = leve
ehr-allergies-severity-moderate = moderada
ehr-allergies-severity-severe = grave
ehr-allergies-severity-life-threatening = potencialmente mortal
ehr-allergies-reaction-severity-mild = leve
ehr-allergies-reaction-severity-moderate = moderada
ehr-allergies-reaction-severity-severe = grave
ehr-allergies-criticality-low = baja
ehr-allergies-criticality-high = alta
ehr-allergies-criticality-unable-to-assess = no evaluable
ehr-allergies-verification-unconfirmed = no confirmada
ehr-allergies-verification-confirmed = confirmada
ehr-allergies-verification-refuted = descartada
ehr-allergies-verification-entered-in-error = registrada por error

## Encounters (ehr/encounters.html)

ehr-enc-none = Aún no hay episodios.
ehr-enc-caption = Episodios, del más reciente al más antiguo
ehr-enc-col-start = Inicio ({ $zone })
ehr-enc-col-kind = Tipo
ehr-enc-col-department = Servicio
ehr-enc-col-clinician = Profesional
ehr-enc-col-reason = Motivo
ehr-enc-col-diagnoses = Diagnósticos
ehr-enc-col-change = Cambiar estado
ehr-enc-provisional = , provisional
ehr-enc-ended-at = Finalizó a las (opcional, por defecto ahora)
ehr-enc-attending = Profesional responsable
ehr-enc-start = Inicio
ehr-enc-start-hint = vacío = ahora
ehr-enc-submit = Registrar episodio
ehr-enc-rank-primary = principal
ehr-enc-rank-secondary = secundario

## Home medications (ehr/medications.html)

ehr-meds-intro = Lo que el paciente toma en casa. La prescripción se hace en farmacia.
ehr-meds-col-medication = Medicamento
ehr-meds-col-dose = Dosis
ehr-meds-col-route = Vía
ehr-meds-col-frequency = Frecuencia
ehr-meds-col-start = Inicio
ehr-meds-col-stop = Fin
ehr-meds-stop = Suspender
ehr-meds-stopped-on = Suspendido el (opcional, por defecto hoy)
ehr-meds-new-heading = Añadir un medicamento domiciliario
ehr-meds-start-date = Fecha de inicio
ehr-meds-submit = Añadir medicamento
ehr-meds-route-oral = oral
ehr-meds-route-sublingual = sublingual
ehr-meds-route-inhaled = inhalada
ehr-meds-route-topical = tópica
ehr-meds-route-transdermal = transdérmica
ehr-meds-route-subcutaneous = subcutánea
ehr-meds-route-intramuscular = intramuscular
ehr-meds-route-intravenous = intravenosa
ehr-meds-route-rectal = rectal
ehr-meds-route-nasal = nasal
ehr-meds-route-ophthalmic = oftálmica
ehr-meds-route-otic = ótica
ehr-meds-route-vaginal = vaginal
ehr-meds-route-other = otra
ehr-status-not-done = No realizado
ehr-status-unknown = Desconocido

## Procedures (ehr/procedures.html)

ehr-proc-heading = Antecedentes de procedimientos
ehr-proc-intro = Procedimientos que tuvo el paciente, aquí o en otro lugar (los registros operatorios los lleva cirugía).
ehr-proc-none = No hay procedimientos registrados.
ehr-proc-col-procedure = Procedimiento
ehr-proc-col-performed = Realizado ({ $zone })
ehr-proc-col-encounter = Episodio
ehr-proc-col-recorded = Registrado
ehr-proc-by-source = por { $name } (origen)
ehr-proc-new-heading = Añadir un procedimiento previo
ehr-proc-system-none = — ninguno (texto libre) —
ehr-proc-system-cpt = CPT
ehr-proc-system-icd10pcs = CIE-10-SCP
ehr-proc-system-hint = Opcional; la API también acepta la URI propia del sistema de origen.
ehr-proc-code-hint = p. ej. SNOMED CT 80146002, CPT 44950, CIE-10-SCP 0DTJ4ZZ.
ehr-proc-performed-start = Realizado (inicio)
ehr-proc-performed-end = Finalizado (para un periodo, opcional)
ehr-proc-encounter = Parte del episodio
ehr-proc-encounter-none = — ninguno —
ehr-proc-an-encounter = un episodio
ehr-proc-optional = Opcional.
ehr-proc-note = Nota
ehr-proc-submit = Añadir procedimiento

## Vital signs (ehr/vitals.html)

ehr-vitals-new-heading = Registrar signos vitales
ehr-vitals-measured-at = Medido a las
ehr-vitals-oxygen = Aire u oxígeno (NEWS2)
ehr-vitals-consciousness = Nivel de conciencia, ACVPU (NEWS2)
ehr-vitals-submit = Registrar
ehr-vitals-flags-note = Las lecturas anormales y críticas se marcan según la edad del paciente al medirlas; NEWS2 (RCP 2017) en adultos.
ehr-vitals-table-label = Tabla de signos vitales (se desplaza lateralmente)
ehr-vitals-caption = Mediciones, de la más reciente a la más antigua
ehr-vitals-col-time = Hora ({ $zone })
ehr-vitals-col-assessment = Valoración
ehr-vitals-col-o2 = O2
ehr-vitals-col-acvpu = ACVPU
ehr-vitals-col-height = Talla
ehr-vitals-unit-cm = cm
ehr-vitals-col-by = Por
ehr-vitals-col-oxygen = Oxígeno
ehr-vitals-col-air = Aire
ehr-vitals-not-assessed = Sin valorar
ehr-vitals-field-temperature-c = Temperatura
ehr-vitals-field-pulse = Pulso
ehr-vitals-field-resp-rate = Frecuencia respiratoria
ehr-vitals-field-bp-systolic = Presión sistólica
ehr-vitals-field-bp-diastolic = Presión diastólica
ehr-vitals-field-spo2 = SpO2
ehr-vitals-field-weight-kg = Peso
ehr-vitals-field-height-cm = Talla
ehr-vitals-field-pain = Escala de dolor
ehr-vitals-o2-none = No registrado
ehr-vitals-o2-air = Aire (sin oxígeno suplementario)
ehr-vitals-o2-oxygen = Oxígeno suplementario
ehr-vitals-acvpu-none = No registrado
ehr-vitals-acvpu-a = A — alerta
ehr-vitals-acvpu-c = C — confusión nueva
ehr-vitals-acvpu-v = V — responde a la voz
ehr-vitals-acvpu-p = P — responde al dolor
ehr-vitals-acvpu-u = U — no responde

## Documents (ehr/documents.html, ehr/document.html)

ehr-docs-intro = Cartas, informes, imágenes escaneadas y consentimientos archivados de este paciente. Cada apertura y descarga queda registrada en el registro de auditoría.
ehr-docs-none = No hay documentos archivados.
ehr-docs-caption = Documentos, del más reciente al más antiguo
ehr-docs-col-title = Título
ehr-docs-col-category = Categoría
ehr-docs-col-dated = Fecha
ehr-docs-col-file = Archivo
ehr-docs-col-uploaded = Subido ({ $zone })
ehr-docs-col-actions = Acciones
ehr-docs-version-of = versión { $version } de { $count }
ehr-docs-preview = Vista previa
ehr-docs-open-pdf = Abrir PDF
ehr-docs-download = Descargar
ehr-docs-new-heading = Añadir un documento
ehr-docs-nothing-stored = No se guardó nada.
ehr-docs-title-hint = Déjelo vacío para usar el nombre del archivo.
ehr-docs-date = Fecha del documento
ehr-docs-file-hint = { $kinds }, como máximo { $max } MiB.
ehr-docs-submit = Subir documento
ehr-docs-category-referral-letter = Carta de derivación
ehr-docs-category-discharge-summary = Informe de alta
ehr-docs-category-lab-report = Informe de laboratorio
ehr-docs-category-imaging-report = Informe de imagen
ehr-docs-category-consent-form = Consentimiento informado
ehr-docs-category-correspondence = Correspondencia
ehr-docs-category-other = Otro
ehr-doc-all = ← Todos los documentos
ehr-doc-showing = Mostrando
ehr-doc-version-of = Versión { $version } de { $count }
ehr-doc-not-current = no es la versión actual
ehr-doc-sha = SHA-256
ehr-doc-open-image = Abrir imagen
ehr-doc-image-alt = { $title }, versión { $version }
ehr-doc-image-caption = { $file }, subido el { $when }
ehr-doc-pdf-note = Los PDF se abren en el visor del propio navegador (una pestaña nueva), o puede descargarlos.
ehr-doc-versions = Versiones
ehr-doc-versions-caption = Versiones, de la más reciente a la más antigua
ehr-doc-col-version = Versión
ehr-doc-current = actual
ehr-doc-show = Mostrar
ehr-doc-new-version = Subir una versión nueva
ehr-doc-kept = Las versiones anteriores se conservan sin cambios.
ehr-doc-what-changed = Qué cambió
ehr-doc-submit = Subir versión

## Una nota, una nota nueva (ehr/note.html, ehr/note_new.html)

ehr-note-new-heading = Nota nueva
ehr-note-crumb-new = Nueva
ehr-note-signed-locked = Firmada · bloqueada
ehr-note-signed-by = Firmada por
ehr-note-body = Nota
ehr-note-save-draft = Guardar borrador
ehr-note-sign-open = Firmar la nota…
ehr-note-sign-locks = Firmar bloquea la nota: después no puede modificarse, solo completarse con una adenda.
ehr-note-save-first = Guarde antes los cambios del borrador.
ehr-note-reviewed = He revisado esta nota y la firmo
ehr-note-sign-submit = Firmar y bloquear
ehr-note-addenda = Adendas
ehr-note-addendum-by = Adenda de { $name }, { $when }
ehr-note-add-addendum-heading = Añadir una adenda
ehr-note-addendum = Adenda
ehr-note-add-addendum = Añadir adenda
ehr-note-all-notes = Todas las notas
ehr-note-encounter = Episodio
ehr-note-encounter-none = — ninguno —
ehr-note-encrypted = Las notas se guardan cifradas. Una nota firmada queda bloqueada; las correcciones se añaden como adendas.
ehr-note-save-sign-open = Guardar y firmar…
ehr-note-save-sign = Guardar y firmar
ehr-note-signed-flash = Nota firmada.
ehr-note-draft-saved = Borrador guardado.
ehr-note-signed-locked-flash = Nota firmada; ahora está bloqueada.
ehr-note-addendum-added = Adenda añadida.

## Inicio de visita (ehr/visit_start.html)

ehr-visit-born = nacido el { $date }
ehr-visit-back = Volver al paciente
ehr-visit-open = Este paciente ya tiene una visita en curso: iniciada el { $when } ({ $zone }){ $place }. Termínela o anúlela antes de iniciar otra.
ehr-visit-open-in = en { $department }
ehr-visit-open-with = con { $clinician }
ehr-visit-department = Servicio
ehr-visit-clinician = Clínico responsable (opcional)
ehr-visit-not-assigned = Aún sin asignar
ehr-visit-reason = Motivo de la visita
ehr-visit-submit = Iniciar visita (registrar la llegada ahora)
ehr-visit-started = Visita iniciada: el paciente ha registrado su llegada en { $department }.
ehr-visit-started-department = Visita iniciada: el paciente ha registrado su llegada en el servicio.
ehr-visit-blocked-merged = Este registro se fusionó en otro; inicie la visita en el registro conservado.
ehr-visit-blocked-deceased = El paciente consta como fallecido.
ehr-visit-blocked-closed = El registro está cerrado; reábralo antes de iniciar una visita.

## El navegador CIE-10-MC y el selector del formulario de problemas (ehr/icd10*.html)

ehr-icd-heading = CIE-10-MC (ICD-10-CM)
ehr-icd-intro = La modificación clínica estadounidense de la CIE-10 (FY2026, CDC/NCHS, dominio público). Los códigos facturables son válidos en la lista de problemas.
ehr-icd-search-region = Buscar en la CIE-10-MC
ehr-icd-search-label = Buscar por código o palabras
ehr-icd-search = Buscar
ehr-icd-browse = Explorar
ehr-icd-all-chapters = Todos los capítulos
ehr-icd-billable = facturable
ehr-icd-heading-badge = encabezado
ehr-icd-no-children = No hay códigos por debajo de este.
ehr-icd-no-match = Ningún código CIE-10-MC coincide con «{ $query }».
ehr-icd-used = usado { $count }×
ehr-icd-picker-empty = Escriba un código o palabras; sus códigos recientes aparecerán aquí cuando haya registrado alguno.
ehr-icd-picker-no-match = Ningún código facturable coincide con «{ $query }».
ehr-icd-picker-label = Diagnóstico (CIE-10-MC)
ehr-icd-picker-hint = Escriba un código (E11.9) o palabras, también cotidianas («tensión alta»); use las flechas y Intro para elegir. Solo códigos facturables; sus códigos recientes aparecen primero.

## Los paneles de la página de inicio (ehr/_start_panel.html)

ehr-start-encounters-intro = Episodios en los que usted es el clínico el { $day }.
ehr-start-encounters-empty = Hoy no hay episodios en los que usted sea el clínico.
ehr-start-notes-intro = Sus notas en borrador, la más antigua primero: fírmelas o descártelas.
ehr-start-notes-empty = No hay notas sin firmar: todas las notas que escribió están firmadas.
ehr-start-observations-intro = Sus pacientes sin un conjunto de constantes vitales en las últimas { $hours } horas.
ehr-start-observations-empty = No hay observaciones pendientes: a todos los pacientes de su lista se les tomaron las constantes recientemente.
ehr-start-draft-note = Nota en borrador
ehr-start-no-vitals = Sin constantes vitales registradas
ehr-start-last-vitals = Últimas constantes vitales

## Errores de formulario y rechazos de estas páginas

ehr-err-note-template = Elija SOAP, evolución, procedimiento o texto libre.
ehr-err-max-200 = Como máximo 200 caracteres.
ehr-err-note-body = Escriba la nota.
ehr-err-note-encounter-other = Ese episodio no es de este paciente.
ehr-err-note-encounter = Elija un episodio de la lista.
ehr-err-note-title = Escriba un título de como máximo 200 caracteres.
ehr-err-note-confirm-new = Marque «He revisado esta nota» para firmarla (firmar la bloquea), o guarde un borrador.
ehr-err-note-confirm = Marque «He revisado esta nota» para firmarla; firmar la bloquea. No se ha firmado nada.
ehr-err-visit-department = Elija el servicio que visita el paciente.
ehr-err-visit-department-open = Elija uno de los servicios abiertos de su centro.
ehr-err-visit-reason = Escriba el motivo de la visita (p. ej. «seguimiento del asma»).

# The banner's fixed texts (BannerItem::keyed in crates/ehr).
ehr-banner-not-recorded = Sin registrar
ehr-banner-none-active = Ninguno activo
ehr-banner-nka = Sin alergias conocidas
ehr-banner-allergies-not-recorded = Alergias sin registrar

# The chart tabs' flash messages.
ehr-flash-allergy-recorded = Se registró la alergia a { $substance }.
ehr-flash-nka-recorded = Registrado: sin alergias conocidas.
ehr-flash-allergy-updated = Alergia actualizada.
ehr-flash-encounter-recorded = Episodio registrado.
ehr-flash-added = Se añadió { $name }.
ehr-flash-medication-updated = Medicamento actualizado.
ehr-flash-problem-updated = Problema actualizado.
ehr-flash-problem-coded = Codificado como { $label }.
ehr-flash-procedure-added = Se añadió el procedimiento { $name }.
ehr-flash-procedure-entered-in-error = Procedimiento marcado como introducido por error.
ehr-flash-allergy-updated-existing = Se actualizó la alergia existente a { $substance }.
