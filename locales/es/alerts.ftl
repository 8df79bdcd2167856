# Alertas clínicas: el aviso, las listas, la página de una alerta, las guardias, las asignaciones de enfermería, las cadenas de escalado.
# reviewed: false

## Banner and start-page panels
alerts-banner-title = { $count ->
    [one] Una alerta necesita su confirmación
   *[other] { $count } alertas necesitan su confirmación
}
alerts-banner-all = Las { $count } alertas abiertas
alerts-all = Todas las alertas
alerts-ward-assignments = Asignaciones de la planta
alerts-panel-no-alerts = No hay alertas abiertas dirigidas a usted.
alerts-panel-no-patients = No tiene pacientes asignados en este turno.
alerts-no-ward = Sin planta indicada
alerts-until = hasta
alerts-restricted = Registro restringido

## Lists
alerts-heading = Alertas
alerts-filter-whose = De quién
alerts-filter = Filtrar
alerts-filter-clear = Limpiar
alerts-any = Cualquiera
alerts-none-match = Ninguna alerta coincide con estos filtros.
alerts-caption = Alertas, las más recientes primero
alerts-col-raised = Emitida ({ $zone })
alerts-col-severity = Gravedad
alerts-col-alert = Alerta
alerts-col-patient = Paciente
alerts-col-status = Estado
alerts-col-acknowledged = Confirmada
alerts-col-time-to-ack = Tiempo hasta la confirmación
alerts-step-n = paso { $step }
alerts-duration-s = { $s } s
alerts-duration-min = { $min } min
alerts-duration-h-min = { $h } h { $min } min
alerts-patient-none = No hay alertas sobre este paciente.
alerts-patient-region = Alertas sobre el paciente
alerts-patient-caption = Alertas sobre el paciente, las más recientes primero

## Nurse assignments
alerts-assignments-heading = Asignaciones de enfermería
alerts-assignments-intro = Enfermeras y enfermeros asignados a pacientes para el turno actual y el siguiente en sus centros. Asigne desde la pestaña Alertas del paciente.
alerts-assignments-none = No hay enfermería asignada ahora ni más tarde.
alerts-assignments-caption = Asignaciones de enfermería por planta y enfermero
alerts-col-ward = Planta
alerts-col-nurse = Enfermero/a
alerts-col-from = Desde ({ $zone })
alerts-col-to = Hasta
alerts-col-change = Cambiar
alerts-on-shift = De turno
alerts-end-now = Terminar ahora
alerts-nurses-heading = Enfermería asignada
alerts-nurses-none = No hay enfermería asignada para el turno actual ni el siguiente.
alerts-nurses-caption = Asignaciones de enfermería, actuales y próximas
alerts-assign-heading = Asignar enfermería para un turno
alerts-from = Desde
alerts-at-most-24-hours = como máximo 24 horas
alerts-assign = Asignar
alerts-assigned-done = La enfermera o el enfermero está asignado para el turno.
alerts-assignment-ended = La asignación ha terminado.

## On call
alerts-on-call-heading = Guardias
alerts-on-call-intro = Quién tiene cada función, por centro y servicio (primero la lista del servicio, luego la del centro). Las alertas se escalan a estas personas según sus cadenas.
alerts-on-call-none = Nadie está de guardia ahora ni más tarde en sus centros.
alerts-on-call-lists = Listas de guardia
alerts-on-call-caption = De guardia ahora y más tarde, por inicio
alerts-col-duty = Función
alerts-col-who = Quién
alerts-col-facility = Centro
alerts-col-department = Servicio
alerts-col-note = Nota
alerts-now = Ahora
alerts-whole-facility = Todo el centro
alerts-on-call-new-heading = Poner a alguien de guardia
alerts-at-most-7-days = como máximo 7 días
alerts-on-call-note-hint = Cómo localizarle (busca, teléfono); opcional.
alerts-add = Añadir
alerts-on-call-added = Añadido a la lista de guardia.
alerts-on-call-ended = El turno ha terminado; las alertas que quedan sin nadie se escalan.

## An alert
alerts-about = Acerca de
alerts-col-kind = Tipo
alerts-raised = Emitida
alerts-after = tras { $time }
alerts-read-back-note = Nota de confirmación
alerts-cancelled = Cancelada
alerts-acknowledge = Confirmar
alerts-read-back-required = Obligatoria: qué leyó de vuelta o qué hizo (p. ej., el valor leído de vuelta, la revisión organizada).
alerts-read-back-optional = Opcional: qué leyó de vuelta o qué hizo.
alerts-acknowledged-done = Confirmada. El escalado se ha detenido.
alerts-chain-heading = Cadena de escalado
alerts-chain-step-to-ack = { $min } min para confirmar
alerts-steps-none = Todavía no se ha activado ningún paso.
alerts-steps-caption = Pasos activados y a quién se avisó
alerts-col-step = Paso
alerts-col-time = Hora ({ $zone })
alerts-col-why = Motivo
alerts-col-told = Avisados
alerts-nobody = Nadie a quien avisar

## Escalation chains
alerts-chains-heading = Cadenas de escalado
alerts-chains-intro = Cada tipo de alerta que emiten los módulos, y a quién llega mientras nadie la confirma. Una alerta conserva la cadena con la que se emitió.
alerts-chains-none = Ningún módulo declara un tipo de alerta.
alerts-chains-caption = Tipos de alerta y sus cadenas
alerts-col-chain = Cadena
alerts-chain-step-minutes = { $min } min
alerts-chain-changed = Cambiada respecto a la predeterminada
alerts-chain-default = Predeterminada
alerts-edit = Editar
alerts-chain-intro = Paso a paso: a quién llega la alerta y cuántos minutos tiene para confirmarla antes del siguiente paso. Un paso sin nadie a quien avisar (sin médico responsable, nadie de guardia) pasa de inmediato; los destinatarios que terminan su turno lo pasan antes. Los minutos del último paso no se usan.
alerts-chain-whom = A quién
alerts-chain-minutes = Minutos
alerts-chain-reset = Volver a la cadena predeterminada
alerts-chain-no-step = — (sin paso)
alerts-chain-saved = Guardada. Las alertas emitidas a partir de ahora siguen esta cadena.
alerts-chain-reset-done = Se volvió a la cadena predeterminada.

## Coded values (keys built from the code: keep them in every language)
alerts-severity-info = Información
alerts-severity-warning = Advertencia
alerts-severity-critical = Crítica
alerts-status-open = Abierta
alerts-status-escalated = Escalada
alerts-status-acknowledged = Confirmada
alerts-status-cancelled = Cancelada
alerts-filter-status-open = Abiertas
alerts-filter-status-escalated = Escaladas
alerts-filter-status-acknowledged = Confirmadas
alerts-filter-status-cancelled = Canceladas
alerts-filter-status-all = Todas
alerts-filter-scope-mine = Dirigidas a mí
alerts-filter-scope-facility = Mis centros
alerts-duty-doctor = Médico de guardia
alerts-duty-charge-nurse = Enfermera/o responsable
alerts-duty-consultant = Especialista de guardia
alerts-duty-pharmacist = Farmacéutico de guardia
alerts-duty-other = De guardia: { $duty }
alerts-addressee-given = La persona que nombra la alerta
alerts-addressee-attending = Médico responsable
alerts-addressee-assigned-nurse = Enfermera/o asignada/o
alerts-addressee-fallback = Gestores de alertas (no se encontró a nadie más)
alerts-reason-raised = Emitida
alerts-reason-timeout = No confirmada a tiempo
alerts-reason-off-shift = El destinatario terminó su turno
alerts-reason-nobody = Nadie a quien avisar en el paso anterior
alerts-kind-ehr-vitals = Deterioro de constantes vitales (una lectura crítica, NEWS2 de 5 o más, o 3 en un parámetro)
alerts-kind-emar-overdue-dose = Dosis de medicación atrasada
alerts-kind-emergency-clinician-wait = Paciente de urgencias esperando a un clínico más allá del objetivo ESI
alerts-kind-emergency-length-of-stay = Estancia en urgencias más allá del objetivo
alerts-kind-immunizations-reaction = Reacción adversa inmediata a una vacuna
alerts-kind-laboratory-critical-value = Valor crítico de laboratorio
alerts-kind-radiology-critical-finding = Hallazgo crítico de imagen
