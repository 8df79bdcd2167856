# The start page (dashboard.html): tiles and the titles of the modules' panels.
# reviewed: false

dashboard-welcome = مرحبًا، { $name }
dashboard-roles = { $count ->
    [one] مسجَّل الدخول بالدور: { $roles }
   *[other] مسجَّل الدخول بالأدوار: { $roles }
}
dashboard-active-patients = { $count ->
    [one] مريض نشط
    [two] مريضان نشطان
    [few] مرضى نشطون
   *[other] مريضًا نشطًا
}
dashboard-register = تسجيل مريض
dashboard-no-modules = لا يملك دورك أي وحدات بعد. اطلب الوصول من المسؤول.
dashboard-search-hint-before = اضغط
dashboard-search-hint-after = للبحث من أي مكان.

## Panel titles: `dashboard-panel-<the panel's key>` (keep them in every language)

dashboard-panel-my-alerts = التنبيهات
dashboard-panel-my-patients = مرضاي
dashboard-panel-encounters-today = زيارات اليوم
dashboard-panel-unsigned-notes = ملاحظات غير موقَّعة
dashboard-panel-observations-due = ملاحظات مستحقة
dashboard-panel-countersign = طلبات بانتظار التوقيع المشترك
dashboard-panel-results = نتائج بانتظار الاعتماد
dashboard-panel-arrivals = وصول اليوم
dashboard-panel-recent-patients = المرضى الأخيرون
