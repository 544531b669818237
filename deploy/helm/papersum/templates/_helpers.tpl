{{/* The release's base name: <release>-papersum, or fullnameOverride. */}}
{{- define "papersum.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "papersum.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The app.kubernetes.io labels of every object. */}}
{{- define "papersum.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "papersum.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: papersum
{{- end -}}

{{- define "papersum.selectorLabels" -}}
app.kubernetes.io/name: {{ include "papersum.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "papersum.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "papersum.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-env" (include "papersum.fullname" .)) -}}
{{- end -}}

{{- define "papersum.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "papersum.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The configuration file's text; its checksum rolls the pods when it changes. */}}
{{- define "papersum.configText" -}}
{{- toYaml .Values.config -}}
{{- end -}}

{{/* Pod-level settings shared by the API, the workers and the migration Job. */}}
{{- define "papersum.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsUser }}
fsGroup: {{ .Values.securityContext.runAsUser }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "papersum.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Environment: the Secret's keys (database URL, provider keys, webhook
secrets, Redis URL) and the fixed settings. */}}
{{- define "papersum.env" -}}
envFrom:
  - secretRef:
      name: {{ include "papersum.secretName" . }}
env:
  - name: PAPERSUM_CONFIG
    value: /etc/papersum/config.yaml
  {{- with .Values.database.schema }}
  - name: PAPERSUM_DATABASE_SCHEMA
    value: {{ . | quote }}
  {{- end }}
  {{- with .Values.kafka.brokers }}
  - name: PAPERSUM_KAFKA_BROKERS
    value: {{ join "," . | quote }}
  {{- end }}
  - name: HOME
    value: /tmp
{{- end -}}

{{- define "papersum.volumeMounts" -}}
- name: config
  mountPath: /etc/papersum
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "papersum.volumes" -}}
- name: config
  configMap:
    name: {{ include "papersum.fullname" . }}-config
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}

{{- define "papersum.probes" -}}
startupProbe:
  httpGet: {path: /startupz, port: http}
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
  timeoutSeconds: 2
readinessProbe:
  httpGet: {path: /readyz, port: http}
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
  timeoutSeconds: 2
livenessProbe:
  httpGet: {path: /api/v1/health, port: http}
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
  timeoutSeconds: 2
{{- end -}}
