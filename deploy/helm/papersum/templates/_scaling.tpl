{{/* Workers scale down one pod at a time, slowly: each drains its jobs. */}}
{{- define "papersum.workerScaleDown" -}}
scaleUp:
  stabilizationWindowSeconds: 0
  policies:
    - {type: Percent, value: 100, periodSeconds: 30}
scaleDown:
  stabilizationWindowSeconds: {{ .Values.worker.autoscaling.scaleDown.stabilizationWindowSeconds }}
  selectPolicy: Min
  policies:
    - {type: Pods, value: {{ .Values.worker.autoscaling.scaleDown.podsPerPeriod }}, periodSeconds: {{ .Values.worker.autoscaling.scaleDown.periodSeconds }}}
{{- end -}}
