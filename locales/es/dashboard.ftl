# The start page (dashboard.html): tiles and the titles of the modules' panels.
# reviewed: false

dashboard-welcome = Hola, { $name }
dashboard-roles = { $count ->
    [one] Sesión iniciada con el rol: { $roles }
   *[other] Sesión iniciada con los roles: { $roles }
}
dashboard-active-patients = { $count ->
    [one] paciente activo
   *[other] pacientes activos
}
dashboard-register = Registrar un paciente
dashboard-no-modules = Su rol todavía no tiene módulos. Pida acceso a un administrador.
dashboard-search-hint-before = Pulse
dashboard-search-hint-after = para buscar desde cualquier página.

## Panel titles: `dashboard-panel-<the panel's key>` (keep them in every language)

dashboard-panel-my-alerts = Alertas
dashboard-panel-my-patients = Mis pacientes
dashboard-panel-encounters-today = Episodios de hoy
dashboard-panel-unsigned-notes = Notas sin firmar
dashboard-panel-observations-due = Observaciones pendientes
dashboard-panel-countersign = Órdenes por refrendar
dashboard-panel-results = Resultados por validar
dashboard-panel-arrivals = Llegadas de hoy
dashboard-panel-recent-patients = Pacientes recientes
