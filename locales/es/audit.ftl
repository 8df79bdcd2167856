# Registro de auditoría: los filtros y la lista de eventos.
# reviewed: false

audit-heading = Registro de auditoría
audit-export = Exportar CSV
audit-filter-user = Usuario (correo electrónico)
audit-filter-patient = Paciente (nombre, n.º de historia o id.)
audit-filter-patient-placeholder = apellido, n.º de historia…
audit-filter-entity = Tipo de entidad
audit-filter-entity-placeholder = patient, user, session…
audit-filter-from = Desde
audit-filter-from-hint = (día local, { $zone })
audit-filter-to = Hasta
audit-filter-to-hint = (incluido)
audit-filter-access = Solo accesos
audit-filter-access-hint = (consultas, listas, exportaciones, impresiones)
audit-filter = Filtrar
audit-clear = Borrar
audit-no-patient = Ningún paciente coincide con «{ $query }» entre los registros que puede abrir. Pruebe con el n.º de historia o solo con el apellido.
audit-none = Ningún evento de auditoría coincide con estos filtros.
audit-events = Eventos de auditoría
audit-caption = Eventos de auditoría, los más recientes primero
audit-col-time = Hora ({ $zone })
audit-col-actor = Autor
audit-col-action = Acción
audit-col-entity = Entidad
audit-col-patient = Paciente
audit-col-changes = Cambios
audit-col-ip = IP
audit-restricted-record = Registro restringido
audit-unknown-record = Registro desconocido
audit-withheld = Retenido: registro restringido
